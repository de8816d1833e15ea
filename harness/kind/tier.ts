import type { TestProject } from 'vitest/node';
import { defaultPlan } from '../plan.ts';
import { newRunId } from '../run-context.ts';
// Placeholder until the kind tier lands (issue 4): the tier is NOT RUN, never passed.
export async function setupKindTier(project: TestProject) {
  const now = new Date().toISOString();
  project.provide('run', {
    runId: newRunId(), target: 'kind', targetDescription: 'kind cluster', plan: defaultPlan(), planSource: 'built-in homelab defaults',
    now, startedAt: now, notRun: 'the kind tier is not implemented yet', toolVersions: {},
  });
}
