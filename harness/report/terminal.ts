/** The terminal summary: one line per item, failures with their remediation, then the plan's line. */
import type { AuditReport } from './model.ts';

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

export function renderTerminalSummary(report: AuditReport, reportFiles?: string): string {
  const lines = [`velero-verify — ${report.target.kind}: ${report.target.description}`];
  if (report.notRun) lines.push(`NOT RUN: ${report.notRun}`);
  else {
    for (const item of report.items) {
      lines.push(`  [${MARK[item.status]}] ${item.id.padEnd(24)} ${item.reason}`);
      if (item.status === 'fail' && item.code) lines.push(`         ${item.code}: ${item.cause ?? ''} Fix: ${item.fix ?? ''}`);
      if (item.status === 'fail' && item.remediation) lines.push(`         → ${item.remediation}`);
    }
  }
  for (const problem of report.problems) lines.push(`  run problem: ${problem}`);
  for (const warning of report.warnings ?? []) lines.push(`  warning: ${warning}`);
  if (!report.notRun) lines.push(`Required: ${report.headline}`);
  if (reportFiles) lines.push(`Report: ${reportFiles}`);
  lines.push(report.summaryLine);
  return lines.join('\n');
}
