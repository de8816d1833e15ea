/**
 * The specs' globalSetup: hands the run context to the spec workers. Under `npm run audit` vitest
 * runs in the CLI's spec-run thread, which hands over the run once the CLI has collected and
 * judged the target (harness/run-handoff.ts); under `npm test` the specs form the kind tier. A
 * kind tier that fails to set up does not abort the run: its error becomes the run context's `setupError`, every spec fails with it and the
 * report says REJECT with the reason (a report is always written).
 */
import type { TestProject } from 'vitest/node';
import { describeError } from '../../harness/errors.ts';
import { defaultPlan } from '../../harness/plan.ts';
import { handedRun } from '../../harness/run-handoff.ts';
import { newRunId } from '../../harness/run-context.ts';

export default async function setup(project: TestProject) {
  const handed = handedRun();
  if (handed) {
    project.provide('run', await handed);
    return;
  }
  const { setupKindTier } = await import('../../harness/kind/tier.ts');
  const startedAt = new Date().toISOString();
  try {
    return await setupKindTier(project);
  } catch (error) {
    project.provide('run', {
      runId: newRunId(),
      target: 'kind',
      targetDescription: 'kind cluster (setup failed)',
      plan: defaultPlan(),
      planSource: 'built-in homelab defaults',
      now: new Date().toISOString(),
      startedAt,
      setupError: describeError(error),
      toolVersions: {},
    });
  }
}
