/** audit.xml: JUnit XML for CI systems — one testcase per catalog item, grouped by plan section. */
import type { AuditReport } from './model.ts';
import { dropNonXmlChars } from './sanitize.ts';

function xml(text: string): string {
  // XML 1.0 forbids some characters even as references (controls, U+FFFE, lone surrogates): one
  // of them makes the whole file unreadable for CI, so they are dropped.
  return dropNonXmlChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderJunit(report: AuditReport): string {
  const sections = [...new Set(report.items.map((item) => item.section))];
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="velero-verify ${xml(report.target.kind)}" tests="${report.items.length}" failures="${report.counts.fail}" skipped="${report.counts.skip}" timestamp="${xml(report.startedAt)}">`,
  );
  for (const section of sections) {
    const items = report.items.filter((item) => item.section === section);
    const failures = items.filter((item) => item.status === 'fail').length;
    const skipped = items.filter((item) => item.status === 'skip').length;
    out.push(`  <testsuite name="${xml(section)}" tests="${items.length}" failures="${failures}" skipped="${skipped}">`);
    for (const item of items) {
      out.push(`    <testcase classname="${xml(`velero-verify.${report.target.kind}.${section}`)}" name="${xml(item.title)}">`);
      if (item.status === 'fail') {
        const body = [
          item.code && `code: ${item.code}`,
          item.cause && `cause: ${item.cause}`,
          item.fix && `fix: ${item.fix}`,
          ...(item.quotes ?? []).map((quote) => `shown: ${quote.source}:${quote.line}: ${quote.text}`),
          item.expected && `expected: ${item.expected}`,
          ...item.evidence.map((line) => `observed: ${line}`),
          item.remediation && `remediation: ${item.remediation}`,
        ].filter(Boolean);
        out.push(`      <failure message="${xml(item.reason)}" type="${item.severity}">${xml(body.join('\n'))}</failure>`);
      } else if (item.status === 'skip') {
        out.push(`      <skipped message="${xml(item.reason)}"/>`);
      }
      if (item.evidence.length && item.status !== 'fail') out.push(`      <system-out>${xml(item.evidence.join('\n'))}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  if (report.problems.length) {
    out.push('  <testsuite name="run" tests="1" failures="1">');
    out.push(`    <testcase classname="velero-verify.run" name="run integrity"><failure message="${xml(report.problems[0])}">${xml(report.problems.join('\n'))}</failure></testcase>`);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
