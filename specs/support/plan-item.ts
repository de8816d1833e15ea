/**
 * How a spec file encodes a plan line: `planItem('dod.bsl-available')` declares one test whose
 * title quotes the plan line, takes the item's Finding on the run's target and records it in the
 * test's meta for the audit reporter. The Finding was judged by the process that holds the state
 * (run.findings, see harness/judge/judge-run.ts); a run context that carries the state instead is
 * judged here. A target that cannot evaluate the item, or a judge that cannot decide it from the
 * collected state, skips the test with the reason. A failed advisory item passes its test with a
 * warning (docs/kind-tier.md, "Advisory items and warnings").
 */
import { expect, inject, test } from 'vitest';
import { catalogItem, type ItemId } from '../../harness/catalog.ts';
import type { Finding } from '../../harness/judge/types.ts';
import type { RunContext } from '../../harness/run-context.ts';
import { describeFinding } from '../../harness/report/finding-text.ts';

declare module 'vitest' {
  interface TaskMeta {
    itemId?: string;
    finding?: Finding;
  }
}

async function findingOf(id: ItemId, run: RunContext): Promise<Finding> {
  if (run.findings) {
    const finding = run.findings[id];
    if (!finding) throw new Error(`The run context carries findings but none for ${id}.`);
    return finding;
  }
  // Loaded only here: workers that receive findings never load the judges.
  const { judgeItem } = await import('../../harness/judge/index.ts');
  const { judgeContextOf } = await import('../../harness/judge/judge-run.ts');
  return judgeItem(id, judgeContextOf(run));
}

export function planItem(id: ItemId): void {
  const item = catalogItem(id);
  test(`${item.planLine} [${id}]`, async (context) => {
    context.task.meta.itemId = id;
    const run = inject('run');
    if (run.notRun) context.skip(`NOT RUN: ${run.notRun}`);
    if (run.setupError) throw new Error(`The ${run.target} target could not be set up: ${run.setupError}`);
    const finding = await findingOf(id, run);
    context.task.meta.finding = finding;
    if (finding.status === 'skip') context.skip(finding.summary);
    // An advisory item cannot block APPROVE, so it cannot fail `npm test` either: its failure
    // passes the test with a warning annotation, and the report lists it as an advisory FAIL.
    // Warnings of a passing finding are annotations too. Only required items fail tests.
    for (const warning of finding.warnings ?? []) await context.annotate(warning, 'warning');
    if (item.severity === 'advisory' && finding.status === 'fail') {
      await context.annotate(`advisory, does not block APPROVE: ${describeFinding(finding)}`, 'warning');
      return;
    }
    expect(finding.status, describeFinding(finding)).toBe('pass');
  });
}
