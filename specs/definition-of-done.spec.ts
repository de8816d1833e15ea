/**
 * Plan: "Definition of Done" — each line once checked by hand, now judged on every run.
 */
import { describe } from 'vitest';
import { planItem } from './support/plan-item.ts';

describe('Definition of Done', () => {
  // - [x] `kubectl get pod -n velero` shows Running
  planItem('dod.pods-running');
  // - [x] `velero backup-location get` shows Available
  planItem('dod.bsl-available');
  // - [x] Manual backup completes successfully
  planItem('dod.manual-backup');
  // - [x] Data verified in MinIO bucket
  planItem('dod.data-in-bucket');
});
