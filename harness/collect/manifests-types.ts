/**
 * Extra inputs of the manifests target (issue 5 owns and grows this): Helm values and the
 * GitOps repository facts that rendered objects alone do not carry.
 */
export interface ManifestsExtras {
  /** The Velero chart values given with --values (already parsed). */
  values?: Record<string, unknown>;
}
