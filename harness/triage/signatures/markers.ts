/**
 * Text that tells where a failing call went (the object store, the repository layer, the
 * Kubernetes API) or that a pod is failing, for the area modules' `requires`/`unless` conditions
 * and needles (the repository layer and the pod STATUS cells serve more than one area).
 */

// An object-store request marker: the failing call went to S3 (AWS SDK v1 or v2) or to the BSL.
export const OBJECT_STORE = /RequestError|send request failed|operation error S3|api error|list-type=2|[Bb]ackup store|BackupStorageLocation|[Bb]ackup storage location|backup-storage-location|X-Amz-|ListObjects|HeadBucket|GetObject|PutObject/;
// The repository layer (Kopia / restic), whose storage errors are not the BSL's.
export const REPOSITORY_LAYER = /restic (init|snapshots|backup)|repository is not ready|BackupRepository|backup repo|repo with storage|kopia/i;

// A request to the Kubernetes API (its timeouts are not the object store's).
export const KUBERNETES_API = /\/apis?\/[\w.]*\/?v\d|:6443\b|kubernetes\.default/;

// What a failing pod's STATUS cell holds (`kubectl get pods`).
export const POD_STATUS_NEEDLES = ['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'OOMKilled', 'ContainerConfigError', ' Error ', 'Init:Error'];
