/** audit.md: for humans and PR comments. Remediation is printed only for failures (kube-bench style). */
import type { AuditReport, ReportItem } from './model.ts';

const ICON: Record<ReportItem['status'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

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

  const notVerified = report.items.filter((item) => item.status === 'skip');
  if (notVerified.length && !report.notRun) {
    out.push('', '## Not verified on this target', '');
    for (const item of notVerified) out.push(`- \`${item.id}\` (${item.severity}): ${item.reason}`);
  }
  if (report.drill) {
    out.push('', '## Restore drill', '', `Status: **${report.drill.status}**${report.drill.reason ? ` — ${report.drill.reason}` : ''}`, '');
    if (report.drill.steps.length) {
      out.push('| Step | Status | Duration | Detail |', '|---|---|---|---|');
      for (const step of report.drill.steps) out.push(`| ${escapeCell(step.name)} | ${step.status} | ${(step.durationMs / 1000).toFixed(1)}s | ${escapeCell(step.detail ?? '')} |`);
    }
  }
  if (report.problems.length) out.push('', '## Run problems', '', ...report.problems.map((problem) => `- ${problem}`));
  const ignored = Object.entries(report.ignoredKinds);
  if (ignored.length) out.push('', '## Ignored input', '', `Kinds no check reads: ${ignored.map(([kind, count]) => `${kind} ×${count}`).join(', ')}.`);
  out.push('', '## Versions', '', ...Object.entries({ 'velero-verify': report.tool.version, ...report.toolVersions }).map(([name, version]) => `- ${name}: ${version}`));
  out.push('');
  return out.join('\n');
}
