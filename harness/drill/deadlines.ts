/**
 * Each drill step's own deadline (chainsaw style: a step that overruns fails on its own, whatever
 * its waits do) and the whole run's budget, from the plan's `drill.timeouts`. The waits inside a
 * step have shorter deadlines of their own; a step deadline is the backstop above their sum.
 */
import type { BackupPlan } from '../plan.ts';
import { drillTimeout } from './canary.ts';
import type { DrillStepName } from './types.ts';

/** Room above the sum of a step's waits for its plain API calls. */
function withMargin(ms: number): number {
  return ms + Math.max(10_000, Math.ceil(ms / 10));
}

export function stepDeadlineMs(plan: BackupPlan, step: DrillStepName): number {
  const t = (key: keyof BackupPlan['drill']['timeouts']) => drillTimeout(plan, key);
  const waits: Record<DrillStepName, number> = {
    // Sweeping expired runs (deletions) and waiting for Velero to be idle (a backup's deadline).
    preflight: t('podReady') + t('backup') + 3 * t('deletion'),
    'create-canary': t('podReady'),
    'write-data': t('podReady'),
    // The wait for Velero to start the backup, then the backup itself.
    backup: 2 * t('backup') + t('podReady'),
    // Delete the writer, run the marker.
    'mark-source': 2 * t('podReady'),
    restore: t('restore') + t('podReady'),
    // Delete the restored writer, run the verifier.
    verify: 2 * t('podReady'),
  };
  return withMargin(waits[step]);
}

/** The longest a drill can take: every step at its deadline, then a cleanup of three deletions. */
export function runBudgetMs(plan: BackupPlan): number {
  const steps: DrillStepName[] = ['preflight', 'create-canary', 'write-data', 'backup', 'mark-source', 'restore', 'verify'];
  return steps.reduce((sum, step) => sum + stepDeadlineMs(plan, step), 0) + 3 * drillTimeout(plan, 'deletion');
}
