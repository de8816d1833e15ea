/**
 * State: the plain data that collection produces and judges read (docs/architecture.md §2). Every target
 * (kind, cluster, snapshot, manifests) is reduced to this shape, so one set of judges serves all.
 * Secret values never enter it: a Secret is reduced to its key names and to the few facts the
 * judges need (see SecretSummary).
 */
import type { TargetKind } from './catalog.ts';
import type { BucketState } from './bucket/types.ts';
import type { ManifestsExtras } from './collect/manifests-types.ts';
import type { EvidenceSummary } from './evidence/types.ts';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  resourceVersion?: string;
  ownerReferences?: Array<{ apiVersion?: string; kind: string; name: string; uid?: string; controller?: boolean }>;
}

/** Any Kubernetes object; spec and status stay loosely typed and are narrowed by the judges. */
export interface KubeObject<Spec = any, Status = any> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: Status;
  [field: string]: unknown;
}

/** What a judge may know about a Secret. Built by `summarizeSecret`; never holds a value. */
export interface SecretSummary {
  name: string;
  namespace?: string;
  type?: string;
  labels?: Record<string, string>;
  keys: string[];
  /** SOPS-encrypted file (recognised by its `sops` metadata); values were never decrypted. */
  sopsEncrypted?: boolean;
  /** The Secret carried values in plain `data`/`stringData` (a finding for rendered manifests). */
  hasPlaintextValues?: boolean;
  /** The Secret was never stored by an API server (`neverStored`): it is a file, e.g. in a repository. */
  neverStored?: boolean;
  /** Parse result of an AWS credentials file found under a key (by key name, e.g. `cloud`). */
  credentialFiles?: Record<string, CredentialsFileSummary>;
  /** For Velero's repository Secret: the Kopia password equals Velero's built-in default (docs/velero-facts.md §8). */
  repositoryPasswordIsDefault?: boolean;
}

export interface CredentialsFileSummary {
  parsed: boolean;
  profiles: string[];
  /** The profile Velero uses (`default` unless the BSL sets `profile`). */
  hasAccessKeyId: boolean;
  hasSecretAccessKey: boolean;
  /** Keys equal MinIO's well-known root defaults (minioadmin/minioadmin, minio/minio123). */
  usesWellKnownDefaults?: boolean;
  problem?: string;
}

export interface VeleroObjects {
  backups: KubeObject[];
  schedules: KubeObject[];
  backupStorageLocations: KubeObject[];
  volumeSnapshotLocations: KubeObject[];
  podVolumeBackups: KubeObject[];
  podVolumeRestores: KubeObject[];
  restores: KubeObject[];
  backupRepositories: KubeObject[];
  deleteBackupRequests: KubeObject[];
}

export interface WorkloadObjects {
  deployments: KubeObject[];
  daemonSets: KubeObject[];
  pods: KubeObject[];
  jobs: KubeObject[];
  persistentVolumeClaims: KubeObject[];
  persistentVolumes: KubeObject[];
  services: KubeObject[];
  ingresses: KubeObject[];
  /** Gateway API HTTPRoutes (exposure). */
  httpRoutes: KubeObject[];
  nodes: KubeObject[];
  configMaps: KubeObject[];
  events: KubeObject[];
  namespaces: KubeObject[];
}

export interface StateObjects extends VeleroObjects, WorkloadObjects {
  secrets: SecretSummary[];
}

export type ObjectCollection = keyof Omit<StateObjects, 'secrets'>;

/** A read the collector could not make (RBAC 403, API missing): the items that need it are not verified. */
export interface ReadGap {
  resource: string;
  verb: string;
  namespace?: string;
  reason: string;
}

export interface ClusterInfo {
  context?: string;
  server?: string;
  kubernetesVersion?: string;
  veleroVersion?: string;
}

export interface SourceInfo {
  target: TargetKind;
  /** Human description: file names, kubeconfig context, manifests directory. */
  description: string;
  files?: string[];
}

export interface State {
  source: SourceInfo;
  /** The Velero namespace the state was read for. */
  namespace: string;
  /** When the state was captured (ISO); judges of freshness use it as "now" on offline targets. */
  capturedAt?: string;
  /**
   * Where capturedAt comes from: `recorded` by scripts/capture.mjs at capture time, `inferred` from
   * the newest timestamp in the data (an old capture of a frozen Velero then looks fresh), or
   * `clock` on a live target.
   */
  capturedAtSource?: 'recorded' | 'inferred' | 'clock';
  objects: StateObjects;
  /** Kinds present in the input that no judge reads, with counts (shown in the report). */
  ignoredKinds: Record<string, number>;
  /** Velero CRDs are installed (live) / present (offline). `false` means "Velero is not installed". */
  veleroInstalled?: boolean;
  readGaps: ReadGap[];
  cluster?: ClusterInfo;
  bucket?: BucketState;
  manifests?: ManifestsExtras;
  /** Snapshot target: what the input shows, what it proves was looked for, where each object came from. */
  evidence?: EvidenceSummary;
}

export function emptyObjects(): StateObjects {
  return {
    backups: [],
    schedules: [],
    backupStorageLocations: [],
    volumeSnapshotLocations: [],
    podVolumeBackups: [],
    podVolumeRestores: [],
    restores: [],
    backupRepositories: [],
    deleteBackupRequests: [],
    deployments: [],
    daemonSets: [],
    pods: [],
    jobs: [],
    persistentVolumeClaims: [],
    persistentVolumes: [],
    services: [],
    ingresses: [],
    httpRoutes: [],
    nodes: [],
    configMaps: [],
    events: [],
    namespaces: [],
    secrets: [],
  };
}

/** Where each kind goes. Kinds not listed are ignored and counted. */
export const KIND_COLLECTIONS: Record<string, ObjectCollection> = {
  'velero.io/Backup': 'backups',
  'velero.io/Schedule': 'schedules',
  'velero.io/BackupStorageLocation': 'backupStorageLocations',
  'velero.io/VolumeSnapshotLocation': 'volumeSnapshotLocations',
  'velero.io/PodVolumeBackup': 'podVolumeBackups',
  'velero.io/PodVolumeRestore': 'podVolumeRestores',
  'velero.io/Restore': 'restores',
  'velero.io/BackupRepository': 'backupRepositories',
  'velero.io/DeleteBackupRequest': 'deleteBackupRequests',
  'apps/Deployment': 'deployments',
  'apps/DaemonSet': 'daemonSets',
  '/Pod': 'pods',
  'batch/Job': 'jobs',
  '/PersistentVolumeClaim': 'persistentVolumeClaims',
  '/PersistentVolume': 'persistentVolumes',
  '/Service': 'services',
  'networking.k8s.io/Ingress': 'ingresses',
  'gateway.networking.k8s.io/HTTPRoute': 'httpRoutes',
  '/Node': 'nodes',
  '/ConfigMap': 'configMaps',
  '/Event': 'events',
  'events.k8s.io/Event': 'events',
  '/Namespace': 'namespaces',
};

/** `group/Kind` key of an object (`/Pod` for the core group). */
export function kindKey(object: { apiVersion?: unknown; kind?: unknown }): string {
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  return `${group}/${String(object.kind ?? '')}`;
}

/**
 * The object was never stored by an API server: it carries none of the fields the server sets
 * on every stored object (metadata.uid, resourceVersion, creationTimestamp) — a rendered manifest
 * or hand-written YAML. Its missing `status` says nothing about a controller; it is not shown
 * (docs/velero-facts.md, "Desired state and observed state").
 */
export function neverStored(object: KubeObject): boolean {
  const meta = object.metadata ?? {};
  return !meta.uid && !meta.resourceVersion && !meta.creationTimestamp;
}
