/**
 * Plan: "Must Have".
 */
import { describe } from 'vitest';
import { planItem } from './support/plan-item.ts';

describe('Must Have', () => {
  // - Kopia/FSB enabled (`deployNodeAgent: true`)
  planItem('must.fsb-kopia');
  // - S3 target configured for Pi MinIO
  planItem('must.s3-target');
  // - Schedule enabled
  planItem('must.schedule');
});
