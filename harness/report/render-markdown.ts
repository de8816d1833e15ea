/** audit.md: for humans and PR comments. Remediation is printed only for failures (kube-bench style). */
import type { DrillResult } from '../drill/types.ts';
import type { AuditReport, ReportItem } from './model.ts';

const ICON: Record<ReportItem['status'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

const SKIP_KIND: Record<NonNullable<ReportItem['skipKind']>, string> = {
  'not-evaluable': 'not evaluable on this target',
  'opted-out': 'not run by choice',
  'not-verified': 'NOT VERIFIED — blocks APPROVE when required',
  'not-shown': 'not shown in this evidence',
};
/** A line of pasted input, as inline code: it is the user's text, never markup. */
function quoteLine(quote: { text: string; source: string; line: number }): string {
  // eslint-disable-next-line no-control-regex
  const safe = quote.text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').replace(/`/g, "'");
  return `- ${quote.source.replace(/[`<>]/g, '')}:${quote.line}: \`${safe.length > 400 ? `${safe.slice(0, 400)}…` : safe}\``;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderMarkdown(report: AuditReport): string {
  const out: string[] = [];
  out.push(`# velero-verify audit: ${report.verdict}`, '');
  out.push(`**${report.summaryLine}**`, '');
  out.push(`- Target: \`${report.target.kind}\` — ${report.target.description}`);
  if (report.cluster) {
    const c = report.cluster;
    const parts = [c.context && `context \`${c.context}\``, c.server && `server ${c.server}`, c.kubernetesVersion && `Kubernetes ${c.kubernetesVersion}`, c.veleroVersion && `Velero ${c.veleroVersion}`].filter(Boolean);
    if (parts.length) out.push(`- Cluster: ${parts.join(', ')}`);
  }
  out.push(`- Run: \`${report.runId}\`, ${report.startedAt} → ${report.finishedAt} (judged as of ${report.now})`);
  out.push(`- Plan: ${report.planSource}`);
  out.push(`- Items: ${report.counts.pass} passed, ${report.counts.fail} failed, ${report.counts.skip} skipped`);
  out.push(`- Required: ${report.headline}`);
  if (report.notRun) out.push('', `> **NOT RUN** — ${report.notRun}`);
  out.push('', '## Why this verdict', '', ...report.verdictReasons.map((reason) => `- ${reason}`));

  out.push('', '## Items', '', '| Status | Item | Plan line | Severity | Result |', '|---|---|---|---|---|');
  for (const item of report.items) {
    out.push(`| ${ICON[item.status]}${item.critical ? ' (critical)' : ''} | \`${item.id}\` | ${escapeCell(item.planLine)} | ${item.severity} | ${escapeCell(item.reason)} |`);
  }

  const failures = report.items.filter((item) => item.status === 'fail');
  if (failures.length) {
    out.push('', '## Failures and what to do');
    for (const item of failures) {
      out.push('', `### ${item.id} — ${item.planLine}${item.critical ? ' (CRITICAL)' : ''}`, '');
      out.push(`**Observed:** ${item.reason}`, '');
      if (item.code) out.push(`**Code:** \`${item.code}\``, '', `**Cause:** ${item.cause ?? ''}`, '', `**Fix:** ${item.fix ?? ''}`, '');
      if (item.quotes?.length) out.push('**Shown in the input:**', '', ...item.quotes.map(quoteLine), '');
      if (item.expected) out.push(`**Expected:** ${item.expected}`, '');
      if (item.evidence.length) out.push('**Evidence:**', '', ...item.evidence.map((line) => `- ${line}`), '');
      if (item.warnings.length) out.push('**Warnings:**', '', ...item.warnings.map((line) => `- ${line}`), '');
      if (item.remediation) out.push(`**Remediation:** ${item.remediation}`);
    }
  }

  const evidenced = report.items.filter((item) => item.status !== 'fail' && (item.evidence.length || item.warnings.length));
  if (evidenced.length) {
    out.push('', '## Evidence of the other items');
    for (const item of evidenced) {
      out.push('', `### ${item.id} (${ICON[item.status]})`, '');
      out.push(...item.evidence.map((line) => `- ${line}`));
      out.push(...item.warnings.map((line) => `- warning: ${line}`));
    }
  }

  if (report.evidence) {
    out.push('', '## Evidence read', '', `Mode: ${report.evidence.mode === 'paste' ? 'pasted evidence — only what it shows is judged' : 'capture — a missing object is a finding'}.`, '');
    out.push(...report.evidence.read.map((line) => `- ${escapeCell(line)}`));
    if (report.evidence.unread.length) out.push('', 'Not read:', '', ...report.evidence.unread.map((line) => `- ${escapeCell(line)}`));
    if (report.evidence.notShown.length) out.push('', `Not shown in this evidence: ${report.evidence.notShown.map((id) => `\`${id}\``).join(', ')}.`);
  }
  const notVerified = report.items.filter((item) => item.status === 'skip');
  if (notVerified.length && !report.notRun) {
    out.push('', '## Not verified on this target', '');
    for (const item of notVerified) out.push(`- \`${item.id}\` (${item.severity}, ${SKIP_KIND[item.skipKind ?? 'not-verified']}): ${item.reason}`);
  }
  if (report.drill) {
    out.push('', '## Restore drill', '', `Status: **${report.drill.status}**${report.drill.reason ? ` — ${report.drill.reason}` : ''}`, '');
    if (report.drill.steps.length) {
      out.push('| Step | Status | Duration | Detail |', '|---|---|---|---|');
      for (const step of report.drill.steps) out.push(`| ${escapeCell(step.name)} | ${step.status} | ${(step.durationMs / 1000).toFixed(1)}s | ${escapeCell(step.detail ?? '')} |`);
    }
    out.push(...renderDrillDetails(report.drill));
  }
  if (report.problems.length) out.push('', '## Run problems', '', ...report.problems.map((problem) => `- ${problem}`));
  const ignored = Object.entries(report.ignoredKinds);
  if (ignored.length) out.push('', '## Ignored input', '', `Kinds no check reads: ${ignored.map(([kind, count]) => `${kind} ×${count}`).join(', ')}.`);
  out.push('', '## Versions', '', ...Object.entries({ 'velero-verify': report.tool.version, ...report.toolVersions }).map(([name, version]) => `- ${name}: ${version}`));
  out.push('');
  return out.join('\n');
}

/** Checksums, cleanup and — on failure — the diagnostics collected before cleanup (already redacted). */
function renderDrillDetails(drill: DrillResult): string[] {
  const out: string[] = [''];
  if (drill.velero) {
    out.push(`- Velero seen: ${drill.velero.version ?? 'version unknown'}${drill.velero.image ? ` (\`${drill.velero.image}\`)` : ''}; rules applied:`);
    for (const rule of drill.velero.rules) out.push(`  - ${rule}`);
  }
  if (drill.busyWith?.length) out.push(`- Velero was busy with: ${drill.busyWith.map((name) => `\`${name}\``).join(', ')}`);
  if (drill.repositoryMaintenance) out.push(`- ${drill.repositoryMaintenance}`);
  if (drill.swept) {
    out.push(`- Swept before the run (earlier runs past their deadline: ${drill.swept.runs.join(', ') || 'none'}): ${drill.swept.deleted.join(', ') || 'nothing'}`);
    for (const left of drill.swept.left) out.push(`  - still left: ${left}`);
    for (const problem of drill.swept.problems) out.push(`  - problem: ${problem}`);
  }
  if (drill.sourceNamespace) out.push(`- Canary namespace \`${drill.sourceNamespace}\` → restored into \`${drill.targetNamespace ?? '?'}\``);
  if (drill.backupName) out.push(`- Backup \`${drill.backupName}\`: ${drill.backupPhase ?? 'no phase'}; Restore \`${drill.restoreName ?? '-'}\`: ${drill.restorePhase ?? 'no phase'}`);
  if (drill.expectedSha256) out.push(`- sha256 expected ${drill.expectedSha256}, restored ${drill.restoredSha256 ?? '(none)'}; post-backup marker ${drill.markerPresent ? 'PRESENT' : 'absent'}`);
  if (drill.cleanup) {
    const c = drill.cleanup;
    out.push(`- Cleanup: ${c.status}${c.bucketConfirmed === undefined ? '' : c.bucketConfirmed ? ' (bucket files confirmed gone)' : ' (bucket files NOT confirmed gone)'}`);
    for (const left of c.left) out.push(`  - left: ${left}`);
    for (const problem of c.problems) out.push(`  - problem: ${problem}`);
  }
  const d = drill.diagnostics;
  if (d) {
    out.push('', `### Diagnostics (step \`${d.step}\`, collected ${d.collectedAt}, before cleanup)`, '', d.summary, '');
    if (d.events.length) out.push('<details><summary>Events</summary>', '', '```', ...d.events, '```', '</details>', '');
    for (const object of d.objects) out.push(`<details><summary>${object.ref}</summary>`, '', '```yaml', object.yaml.trimEnd(), '```', '</details>', '');
    for (const log of d.logs) out.push(`<details><summary>Log tail: ${log.source}</summary>`, '', '```', log.tail.trimEnd(), '```', '</details>', '');
    for (const problem of d.problems) out.push(`- diagnostics not collected: ${problem}`);
  }
  return out;
}
