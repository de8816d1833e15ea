/**
 * The specs' globalSetup: hands the run context to the spec workers. Under `npm run audit` the
 * CLI has already collected the target and names the context file in VELERO_VERIFY_RUN_FILE;
 * under `npm test` the specs form the kind tier.
 */
import { readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import type { RunContext } from '../../harness/run-context.ts';

export default async function setup(project: TestProject) {
  const file = process.env.VELERO_VERIFY_RUN_FILE;
  if (file) {
    project.provide('run', JSON.parse(readFileSync(file, 'utf8')) as RunContext);
    return;
  }
  const { setupKindTier } = await import('../../harness/kind/tier.ts');
  return setupKindTier(project);
}
