/**
 * The Kubernetes resources the harness reads and writes, and their REST paths. One table, so
 * the API layer, the watch, the collector and the fake API server agree on every path.
 */
export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

function type(group: string, version: string, plural: string, kind: string, namespaced = true): ResourceType {
  return { group, version, plural, kind, namespaced };
}

export const VELERO_GROUP = 'velero.io';
export const VELERO_VERSION = 'v1';

export const R = {
  namespaces: type('', 'v1', 'namespaces', 'Namespace', false),
  pods: type('', 'v1', 'pods', 'Pod'),
  persistentVolumeClaims: type('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim'),
  persistentVolumes: type('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
  services: type('', 'v1', 'services', 'Service'),
  secrets: type('', 'v1', 'secrets', 'Secret'),
  configMaps: type('', 'v1', 'configmaps', 'ConfigMap'),
  events: type('', 'v1', 'events', 'Event'),
  nodes: type('', 'v1', 'nodes', 'Node', false),
  deployments: type('apps', 'v1', 'deployments', 'Deployment'),
  daemonSets: type('apps', 'v1', 'daemonsets', 'DaemonSet'),
  jobs: type('batch', 'v1', 'jobs', 'Job'),
  ingresses: type('networking.k8s.io', 'v1', 'ingresses', 'Ingress'),
  httpRoutes: type('gateway.networking.k8s.io', 'v1', 'httproutes', 'HTTPRoute'),
  backups: type(VELERO_GROUP, VELERO_VERSION, 'backups', 'Backup'),
  restores: type(VELERO_GROUP, VELERO_VERSION, 'restores', 'Restore'),
  schedules: type(VELERO_GROUP, VELERO_VERSION, 'schedules', 'Schedule'),
  backupStorageLocations: type(VELERO_GROUP, VELERO_VERSION, 'backupstoragelocations', 'BackupStorageLocation'),
  volumeSnapshotLocations: type(VELERO_GROUP, VELERO_VERSION, 'volumesnapshotlocations', 'VolumeSnapshotLocation'),
  podVolumeBackups: type(VELERO_GROUP, VELERO_VERSION, 'podvolumebackups', 'PodVolumeBackup'),
  podVolumeRestores: type(VELERO_GROUP, VELERO_VERSION, 'podvolumerestores', 'PodVolumeRestore'),
  backupRepositories: type(VELERO_GROUP, VELERO_VERSION, 'backuprepositories', 'BackupRepository'),
  deleteBackupRequests: type(VELERO_GROUP, VELERO_VERSION, 'deletebackuprequests', 'DeleteBackupRequest'),
} as const;

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionPath(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
}

/** REST path of a collection (namespace omitted → all namespaces) or of one object. */
export function resourcePath(type: ResourceType, options: { namespace?: string; name?: string; subresource?: string } = {}): string {
  let path = groupVersionPath(type);
  if (type.namespaced && options.namespace) path += `/namespaces/${encodeURIComponent(options.namespace)}`;
  path += `/${type.plural}`;
  if (options.name) path += `/${encodeURIComponent(options.name)}`;
  if (options.name && options.subresource) path += `/${options.subresource}`;
  return path;
}

/** `pods` / `backups.velero.io`: how RBAC messages and read gaps name a resource. */
export function qualifiedResource(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/** Human reference to one object: `Backup velero/velero-verify-…`. */
export function describeRef(type: ResourceType, name: string, namespace?: string): string {
  return `${type.kind} ${type.namespaced && namespace ? `${namespace}/` : ''}${name}`;
}
