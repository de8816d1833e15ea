/** audit.md: for humans and PR comments. Remediation is printed only for failures (kube-bench style). */
import type { DrillResult } from '../drill/types.ts';
import type { AuditReport, ReportItem } from './model.ts';
import { codeBlock, codeSpan, escapeHtml, escapeMarkdown } from './sanitize.ts';

// Text from a cluster or a paste is data: prose-like fields (reasons, remediation) are escaped
// Markdown, data lines (evidence, events, step details) are code spans, logs and YAML are fenced
// blocks no line can close. Nothing from the input becomes a link, HTML or emphasis.
const e = escapeMarkdown;
const c = (text: string) => codeSpan(text);

const ICON: Record<ReportItem['status'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

const SKIP_KIND: Record<NonNullable<ReportItem['skipKind']>, string> = {
  'not-evaluable': 'not evaluable on this target',
  'opted-out': 'not run by choice',
  'not-verified': 'NOT VERIFIED — blocks APPROVE when required',
  'not-shown': 'not shown in this evidence',
};
/** A line of pasted input, as inline code: it is the user's text, never markup (nor is its file name). */
function quoteLine(quote: { text: string; source: string; line: number }): string {
  const text = quote.text.length > 400 ? `${quote.text.slice(0, 400)}…` : quote.text;
  return `- ${c(quote.source)}:${quote.line}: ${c(text)}`;
}

/** A table cell: escaped text (escapeMarkdown already escapes the pipe that would split the cell). */
const escapeCell = e;

/** A data line as a code span in a table cell. */
function codeCell(text: string): string {
  return c(text).replace(/\|/g, '\\|');
}

export function renderMarkdown(report: AuditReport): string {
  const out: string[] = [];
  out.push(`# velero-verify audit: ${report.verdict}`, '');
  out.push(`**${report.summaryLine}**`, '');
  out.push(`- Target: \`${report.target.kind}\` — ${c(report.target.description)}`);
  if (report.cluster) {
    const info = report.cluster;
    const parts = [info.context && `context ${c(info.context)}`, info.server && `server ${c(info.server)}`, info.kubernetesVersion && `Kubernetes ${c(info.kubernetesVersion)}`, info.veleroVersion && `Velero ${c(info.veleroVersion)}`].filter(Boolean);
    if (parts.length) out.push(`- Cluster: ${parts.join(', ')}`);
  }
  out.push(`- Run: ${c(report.runId)}, ${e(report.startedAt)} → ${e(report.finishedAt)} (judged as of ${e(report.now)})`);
  out.push(`- Plan: ${c(report.planSource)}`);
  out.push(`- Items: ${report.counts.pass} passed, ${report.counts.fail} failed, ${report.counts.skip} skipped`);
  out.push(`- Required: ${report.headline}`);
  if (report.notRun) out.push('', `> **NOT RUN** — ${e(report.notRun)}`);
  for (const warning of report.warnings ?? []) out.push('', `> **Warning:** ${e(warning)}`);
  out.push('', '## Why this verdict', '', ...report.verdictReasons.map((reason) => `- ${e(reason)}`));

  out.push('', '## Items', '', '| Status | Item | Plan line | Severity | Result |', '|---|---|---|---|---|');
  for (const item of report.items) {
    out.push(`| ${ICON[item.status]}${item.critical ? ' (critical)' : ''} | \`${item.id}\` | ${item.planLine.replace(/\|/g, '\\|')} | ${item.severity} | ${escapeCell(item.reason)} |`);
  }

  const failures = report.items.filter((item) => item.status === 'fail');
  if (failures.length) {
    out.push('', '## Failures and what to do');
    for (const item of failures) {
      out.push('', `### ${item.id} — ${item.planLine}${item.critical ? ' (CRITICAL)' : ''}`, '');
      out.push(`**Observed:** ${e(item.reason)}`, '');
      if (item.code) out.push(`**Code:** ${c(item.code)}`, '', `**Cause:** ${e(item.cause ?? '')}`, '', `**Fix:** ${e(item.fix ?? '')}`, '');
      if (item.quotes?.length) out.push('**Shown in the input:**', '', ...item.quotes.map(quoteLine), '');
      if (item.expected) out.push(`**Expected:** ${e(item.expected)}`, '');
      if (item.evidence.length) out.push('**Evidence:**', '', ...item.evidence.map((line) => `- ${c(line)}`), '');
      if (item.warnings.length) out.push('**Warnings:**', '', ...item.warnings.map((line) => `- ${e(line)}`), '');
      if (item.remediation) out.push(`**Remediation:** ${e(item.remediation)}`);
    }
  }

  const evidenced = report.items.filter((item) => item.status !== 'fail' && (item.evidence.length || item.warnings.length));
  if (evidenced.length) {
    out.push('', '## Evidence of the other items');
    for (const item of evidenced) {
      out.push('', `### ${item.id} (${ICON[item.status]})`, '');
      out.push(...item.evidence.map((line) => `- ${c(line)}`));
      out.push(...item.warnings.map((line) => `- warning: ${e(line)}`));
    }
  }

  if (report.evidence) {
    out.push('', '## Evidence read', '', `Mode: ${report.evidence.mode === 'paste' ? 'pasted evidence — only what it shows is judged' : 'capture — a missing object is a finding'}.`, '');
    out.push(...report.evidence.read.map((line) => `- ${c(line)}`));
    if (report.evidence.unread.length) out.push('', 'Not read:', '', ...report.evidence.unread.map((line) => `- ${c(line)}`));
    if (report.evidence.notShown.length) out.push('', `Not shown in this evidence: ${report.evidence.notShown.map((id) => `\`${id}\``).join(', ')}.`);
  }
  const notVerified = report.items.filter((item) => item.status === 'skip');
  if (notVerified.length && !report.notRun) {
    out.push('', '## Not verified on this target', '');
    for (const item of notVerified) out.push(`- \`${item.id}\` (${item.severity}, ${SKIP_KIND[item.skipKind ?? 'not-verified']}): ${e(item.reason)}`);
  }
  if (report.drill) {
    out.push('', '## Restore drill', '', `Status: **${e(report.drill.status)}**${report.drill.reason ? ` — ${e(report.drill.reason)}` : ''}`, '');
    if (report.drill.steps.length) {
      out.push('| Step | Status | Duration | Detail |', '|---|---|---|---|');
      for (const step of report.drill.steps) out.push(`| ${escapeCell(step.name)} | ${escapeCell(step.status)} | ${(step.durationMs / 1000).toFixed(1)}s | ${codeCell(step.detail ?? '')} |`);
    }
    out.push(...renderDrillDetails(report.drill));
  }
  if (report.problems.length) out.push('', '## Run problems', '', ...report.problems.map((problem) => `- ${e(problem)}`));
  const ignored = Object.entries(report.ignoredKinds);
  if (ignored.length) out.push('', '## Ignored input', '', `Kinds no check reads: ${ignored.map(([kind, count]) => `${c(kind)} ×${count}`).join(', ')}.`);
  out.push('', '## Versions', '', ...Object.entries({ 'velero-verify': report.tool.version, ...report.toolVersions }).map(([name, version]) => `- ${e(name)}: ${c(String(version))}`));
  out.push('');
  return out.join('\n');
}

/** Checksums, cleanup and — on failure — the diagnostics collected before cleanup (already redacted). */
function renderDrillDetails(drill: DrillResult): string[] {
  const out: string[] = [''];
  if (drill.velero) {
    out.push(`- Velero seen: ${drill.velero.version ? c(drill.velero.version) : 'version unknown'}${drill.velero.image ? ` (${c(drill.velero.image)})` : ''}; rules applied:`);
    for (const rule of drill.velero.rules) out.push(`  - ${e(rule)}`);
  }
  if (drill.busyWith?.length) out.push(`- Velero was busy with: ${drill.busyWith.map((name) => c(name)).join(', ')}`);
  if (drill.repositoryMaintenance) out.push(`- ${e(drill.repositoryMaintenance)}`);
  if (drill.swept) {
    out.push(`- Swept before the run (earlier runs past their deadline: ${drill.swept.runs.map((run) => c(run)).join(', ') || 'none'}): ${drill.swept.deleted.map((ref) => c(ref)).join(', ') || 'nothing'}`);
    for (const left of drill.swept.left) out.push(`  - still left: ${c(left)}`);
    for (const problem of drill.swept.problems) out.push(`  - problem: ${e(problem)}`);
  }
  if (drill.sourceNamespace) out.push(`- Canary namespace ${c(drill.sourceNamespace)} → restored into ${c(drill.targetNamespace ?? '?')}`);
  if (drill.backupName) out.push(`- Backup ${c(drill.backupName)}: ${e(drill.backupPhase ?? 'no phase')}; Restore ${c(drill.restoreName ?? '-')}: ${e(drill.restorePhase ?? 'no phase')}`);
  if (drill.expectedSha256) out.push(`- sha256 expected ${c(drill.expectedSha256)}, restored ${c(drill.restoredSha256 ?? '(none)')}; post-backup marker ${drill.markerPresent ? 'PRESENT' : 'absent'}`);
  if (drill.cleanup) {
    const cleanup = drill.cleanup;
    out.push(`- Cleanup: ${e(cleanup.status)}${cleanup.bucketConfirmed === undefined ? '' : cleanup.bucketConfirmed ? ' (bucket files confirmed gone)' : ' (bucket files NOT confirmed gone)'}`);
    for (const left of cleanup.left) out.push(`  - left: ${c(left)}`);
    for (const problem of cleanup.problems) out.push(`  - problem: ${e(problem)}`);
  }
  const d = drill.diagnostics;
  if (d) {
    out.push('', `### Diagnostics (step ${c(d.step)}, collected ${e(d.collectedAt)}, before cleanup)`, '', e(d.summary), '');
    if (d.events.length) out.push('<details><summary>Events</summary>', '', ...codeBlock(d.events.join('\n')), '</details>', '');
    for (const object of d.objects) out.push(`<details><summary>${escapeHtml(object.ref)}</summary>`, '', ...codeBlock(object.yaml, 'yaml'), '</details>', '');
    for (const log of d.logs) out.push(`<details><summary>Log tail: ${escapeHtml(log.source)}</summary>`, '', ...codeBlock(log.tail), '</details>', '');
    for (const problem of d.problems) out.push(`- diagnostics not collected: ${e(problem)}`);
  }
  return out;
}
