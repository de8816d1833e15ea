#!/usr/bin/env node
// CI gate: `node scripts/check-verdict.mjs <audit.json> [...]` exits 0 only when every named
// report exists and says APPROVE. A missing or unreadable report, NOT RUN and REJECT all fail:
// on the merge gate the kind tier must really run (docs/architecture.md §6: nothing that did not run
// adds up to APPROVE). Prints one line per report.
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node scripts/check-verdict.mjs <audit.json> [...]');
  process.exit(2);
}
let ok = true;
for (const file of files) {
  let verdict;
  let reason = '';
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    verdict = report.verdict;
    reason = report.notRun ?? (Array.isArray(report.verdictReasons) ? report.verdictReasons.join(' ') : '');
  } catch (error) {
    console.error(`${file}: no readable audit report (${error instanceof Error ? error.message : String(error)}): the run did not complete.`);
    ok = false;
    continue;
  }
  if (verdict === 'APPROVE') {
    console.log(`${file}: APPROVE`);
  } else {
    console.error(`${file}: ${verdict ?? 'no verdict'}${reason ? ` — ${reason}` : ''}`);
    ok = false;
  }
}
process.exit(ok ? 0 : 1);
