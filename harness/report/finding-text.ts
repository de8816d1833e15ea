/** Plain-text rendering of a Finding: the assertion message in specs and the terminal summary. */
import type { Finding } from '../judge/types.ts';

export function describeFinding(finding: Finding): string {
  const lines = [finding.summary];
  if (finding.expected) lines.push(`expected: ${finding.expected}`);
  for (const line of finding.evidence) lines.push(`observed: ${line}`);
  for (const warning of finding.warnings ?? []) lines.push(`warning: ${warning}`);
  if (finding.status === 'fail' && finding.remediation) lines.push(`remediation: ${finding.remediation}`);
  return lines.join('\n');
}
