/**
 * What collection learned about the object store (issue 6 owns and grows this).
 * Plain data: listings, settings and probes, never object bodies of volume data.
 */
export interface BucketState {
  endpoint: string;
  bucket: string;
  prefix: string;
}
