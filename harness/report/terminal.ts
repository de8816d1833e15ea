/** The terminal summary: one line per item, failures with their remediation, then the plan's line. */
import type { AuditReport } from './model.ts';

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

/** One terminal line per field: text from a cluster or a paste must not start lines of its own (a forged `[PASS]` or verdict). */
const flat = (text: string | undefined): string => (text ?? '').replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ');

export function renderTerminalSummary(report: AuditReport, reportFiles?: string): string {
  const lines = [`velero-verify — ${report.target.kind}: ${report.target.description}`];
  if (report.notRun) lines.push(`NOT RUN: ${flat(report.notRun)}`);
  else {
    for (const item of report.items) {
      lines.push(`  [${MARK[item.status]}] ${item.id.padEnd(24)} ${flat(item.reason)}`);
      if (item.status === 'fail' && item.code) lines.push(`         ${item.code}: ${flat(item.cause)} Fix: ${flat(item.fix)}`);
      if (item.status === 'fail' && item.remediation) lines.push(`         → ${flat(item.remediation)}`);
    }
  }
  for (const problem of report.problems) lines.push(`  run problem: ${flat(problem)}`);
  for (const warning of report.warnings ?? []) lines.push(`  warning: ${flat(warning)}`);
  if (!report.notRun) lines.push(`Required: ${report.headline}`);
  if (reportFiles) lines.push(`Report: ${reportFiles}`);
  lines.push(report.summaryLine);
  return lines.join('\n');
}
