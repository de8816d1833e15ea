/**
 * The RunContext the kind tier hands to the specs, the plan the kind cluster really runs, and
 * the one audit result that makes the tier itself fail (its own bucket unreadable).
 */
import { parsePlan, type BackupPlan } from '../plan.ts';
import type { RunContext } from '../run-context.ts';
import type { ClusterAuditResult } from '../targets/cluster.ts';

/** The plan the kind cluster really runs: the user's plan with the in-cluster MinIO address. */
export function kindPlan(plan: BackupPlan, clusterEndpoint: string): BackupPlan {
  return parsePlan({ ...plan, storage: { ...plan.storage, s3Url: clusterEndpoint } });
}

export function baseContext(runId: string, now: Date, plan: BackupPlan, planSource: string): RunContext {
  return {
    runId,
    target: 'kind',
    targetDescription: 'kind cluster (disposable)',
    plan,
    planSource,
    now: now.toISOString(),
    startedAt: now.toISOString(),
    toolVersions: {},
  };
}

/** Why the audit could not read the tier's own bucket, or undefined when it could. */
export function unreadableBucket(state: ClusterAuditResult['state']): string | undefined {
  const bucket = state?.bucket;
  if (!bucket) return 'the audit did not read the bucket at all';
  if (bucket.unreadable) return `the bucket could not be read: ${bucket.unreadable}`;
  if (bucket.lifecycle?.error) return `the bucket's lifecycle could not be read: ${bucket.lifecycle.error.message}`;
  return undefined;
}
