/**
 * Beyond the plan: what its Final Verification skipped ("Restore [SKIPPED]") and what its notes
 * only hinted at ("MinIO ILM is 14 days; Velero TTL should match", "Schedule: Daily at 03:00").
 */
import { describe } from 'vitest';
import { planItem } from './support/plan-item.ts';

describe('Beyond the plan', () => {
  // F2. Functional Check — "Verify backup capability": we restore, and compare checksums.
  planItem('beyond.restore');
  // "back up K8s resources and marked PVCs": every in-scope volume has a PodVolumeBackup.
  planItem('beyond.volume-coverage');
  // "MinIO ILM is 14 days; Velero TTL should match" — and must never reach kopia/.
  planItem('beyond.retention');
  // "Schedule: Daily at 03:00 AM": the newest scheduled backup is recent and Completed.
  planItem('beyond.freshness');
  // Task 3 "initContainers: velero-plugin-for-aws": images pinned, plugin paired with Velero.
  planItem('beyond.image-pinning');
  // Velero + Kopia: the repositories are healthy and not protected by default secrets.
  planItem('beyond.repository');
  // "S3 target configured": the object store accepts the credentials Velero uses.
  planItem('beyond.credentials-valid');
  // Restores people ran ended Completed (the drill above is the proof; these are history).
  planItem('beyond.restores-completed');
  // "Kopia/FSB enabled": the namespace's Pod Security level lets the node agent's pods be created.
  planItem('beyond.node-agent-admitted');
});
