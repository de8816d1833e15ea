/**
 * The workloads the Velero chart renders from values: the `velero` Deployment (server arguments,
 * credentials mount and environment, init containers with the plugins) and the file-system-backup
 * DaemonSet (chart 12.1.0 templates, docs/velero-facts.md §5).
 */
import { parseDocument } from 'yaml';
import semver from 'semver';
import type { KubeObject } from '../state.ts';
import type { ChartReference } from './chart-reference.ts';
import { labels, secretName } from './chart-names.ts';
import type { RenderOptions } from './chart-render.ts';
import { getPath, getPath as get, isPlainObject, quoted, truthy, type Values } from './helm-template.ts';

function image(values: Values): string {
  const repository = String(get(values, 'image.repository') ?? '');
  const digest = get(values, 'image.digest');
  if (truthy(digest)) return `${repository}@${String(digest)}`;
  return `${repository}:${quoted(get(values, 'image.tag'))}`;
}

const CREDENTIAL_FILE_ENV = ['AWS_SHARED_CREDENTIALS_FILE', 'GOOGLE_APPLICATION_CREDENTIALS', 'AZURE_CREDENTIALS_FILE', 'ALIBABA_CLOUD_CREDENTIALS_FILE'];

function credentialEnv(values: Values, fullname: string): Array<Record<string, unknown>> {
  const env: Array<Record<string, unknown>> = [];
  if (truthy(get(values, 'credentials.useSecret'))) {
    for (const name of CREDENTIAL_FILE_ENV) env.push({ name, value: '/credentials/cloud' });
  }
  const extra = get(values, 'configuration.extraEnvVars');
  if (isPlainObject(extra)) for (const [name, value] of Object.entries(extra)) env.push({ name, value: quoted(value) });
  const secretEnv = get(values, 'credentials.extraEnvVars');
  if (isPlainObject(secretEnv)) {
    for (const name of Object.keys(secretEnv)) env.push({ name, valueFrom: { secretKeyRef: { name: secretName(values, fullname), key: name } } });
  }
  return env;
}

/** `- --flag=value` for each truthy configuration key, in the chart's order. */
const SERVER_FLAGS: Array<[key: string, flag: string]> = [
  ['backupSyncPeriod', '--backup-sync-period'],
  ['fsBackupTimeout', '--fs-backup-timeout'],
  ['clientBurst', '--client-burst'],
  ['clientPageSize', '--client-page-size'],
  ['clientQPS', '--client-qps'],
  ['defaultBackupStorageLocation', '--default-backup-storage-location'],
  ['defaultBackupTTL', '--default-backup-ttl'],
  ['defaultItemOperationTimeout', '--default-item-operation-timeout'],
  ['defaultVolumeSnapshotLocations', '--default-volume-snapshot-locations'],
  ['defaultRepoMaintainFrequency', '--default-repo-maintain-frequency'],
  ['disableControllers', '--disable-controllers'],
  ['garbageCollectionFrequency', '--garbage-collection-frequency'],
  ['logFormat', '--log-format'],
  ['logLevel', '--log-level'],
  ['storeValidationFrequency', '--store-validation-frequency'],
  ['features', '--features'],
  ['namespace', '--namespace'],
];

/**
 * The uploader flag the chart renders: none before 3.0.0 (Velero 1.9 and older have only restic),
 * `default "restic"` from 3.0.0 and `default "kopia"` from 5.4.1 (templates/deployment.yaml at
 * those tags; docs/manifests-gate.md "Chart versions").
 */
function uploaderDefault(chart: ChartReference): string | undefined {
  if (semver.lt(chart.chartVersion, '3.0.0')) return undefined;
  return semver.lt(chart.chartVersion, '5.4.1') ? 'restic' : 'kopia';
}

function serverArgs(values: Values, chart: ChartReference): string[] {
  const configuration = (get(values, 'configuration') ?? {}) as Values;
  const args = ['server'];
  const uploader = uploaderDefault(chart);
  if (uploader) args.push(`--uploader-type=${truthy(configuration.uploaderType) ? quoted(configuration.uploaderType) : uploader}`);
  if (truthy(configuration.defaultVolumesToFsBackup)) args.push('--default-volumes-to-fs-backup');
  if (truthy(configuration.defaultVolumesToRestic)) args.push('--default-volumes-to-restic');
  for (const [key, flag] of SERVER_FLAGS) if (truthy(configuration[key])) args.push(`${flag}=${quoted(configuration[key])}`);
  const maintenance = get(values, 'configuration.repositoryMaintenanceJob.repositoryConfigData.name');
  if (truthy(maintenance)) args.push(`--repo-maintenance-job-configmap=${quoted(maintenance)}`);
  if (Array.isArray(configuration.extraArgs)) args.push(...configuration.extraArgs.map(quoted));
  return args;
}

function initContainers(values: Values, notes: string[]): unknown[] | undefined {
  const raw = get(values, 'initContainers');
  if (!truthy(raw)) return undefined;
  if (Array.isArray(raw)) return structuredClone(raw);
  if (typeof raw === 'string') {
    if (raw.includes('{{')) {
      notes.push('initContainers is a Helm template string: its containers (and plugin images) cannot be evaluated without Helm; render the chart and pass --manifests.');
      return undefined;
    }
    try {
      const parsed = parseDocument(raw).toJS();
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // fall through to the note
    }
    notes.push('initContainers is a string that is not a YAML list of containers.');
  }
  return undefined;
}

export function renderDeployment(values: Values, options: RenderOptions, chart: ChartReference, fullname: string, notes: string[]): KubeObject {
  const useSecret = truthy(get(values, 'credentials.useSecret'));
  const volumeMounts: unknown[] = [{ name: 'plugins', mountPath: '/plugins' }];
  if (useSecret) volumeMounts.push({ name: 'cloud-credentials', mountPath: '/credentials' });
  volumeMounts.push({ name: 'scratch', mountPath: '/scratch' });
  const extraMounts = get(values, 'extraVolumeMounts');
  if (Array.isArray(extraMounts)) volumeMounts.push(...structuredClone(extraMounts));
  const volumes: unknown[] = [];
  if (useSecret) volumes.push({ name: 'cloud-credentials', secret: { secretName: secretName(values, fullname) } });
  volumes.push({ name: 'plugins', emptyDir: {} }, { name: 'scratch', emptyDir: {} });
  const extraVolumes = get(values, 'extraVolumes');
  if (Array.isArray(extraVolumes)) volumes.push(...structuredClone(extraVolumes));
  const env: unknown[] = [
    { name: 'VELERO_SCRATCH_DIR', value: '/scratch' },
    { name: 'VELERO_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
    { name: 'LD_LIBRARY_PATH', value: '/plugins' },
    ...credentialEnv(values, fullname),
  ];
  const container: Record<string, unknown> = {
    name: 'velero',
    image: image(values),
    imagePullPolicy: get(values, 'image.pullPolicy'),
    command: ['/velero'],
    args: serverArgs(values, chart),
    volumeMounts,
    env,
  };
  const extraSecretRef = get(values, 'credentials.extraSecretRef');
  if (truthy(extraSecretRef)) container.envFrom = [{ secretRef: { name: String(extraSecretRef) } }];
  const podSpec: Record<string, unknown> = {
    restartPolicy: 'Always',
    serviceAccountName: truthy(get(values, 'serviceAccount.server.create'))
      ? String(get(values, 'serviceAccount.server.name') ?? `${fullname}-server`)
      : String(get(values, 'serviceAccount.server.name') ?? 'default'),
    containers: [container],
    volumes,
  };
  const init = initContainers(values, notes);
  if (init) podSpec.initContainers = init;
  const selector = { 'app.kubernetes.io/instance': options.release, 'app.kubernetes.io/name': labels(values, options.release, chart)['app.kubernetes.io/name'] };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: fullname, namespace: options.namespace, labels: { ...labels(values, options.release, chart, get(values, 'labels')), component: 'velero' } },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector },
      template: { metadata: { labels: { name: 'velero', ...labels(values, options.release, chart, get(values, 'podLabels')) } }, spec: podSpec },
    },
  };
}

/**
 * The file-system-backup DaemonSet: `node-agent` (chart 3.0.0 and later, values `nodeAgent.*`),
 * or `restic` (charts before 3.0.0, values `restic.*`, enabled by `deployRestic`).
 */
export function renderNodeAgent(values: Values, options: RenderOptions, chart: ChartReference, fullname: string, name: 'node-agent' | 'restic' = 'node-agent'): KubeObject {
  const key = name === 'restic' ? 'restic' : 'nodeAgent';
  const get = (source: Values, path: string) => getPath(source, path.replace(/^nodeAgent\./, `${key}.`));
  const useSecret = truthy(get(values, 'credentials.useSecret'));
  const hostPaths = !truthy(get(values, 'nodeAgent.disableHostPath'));
  const volumes: unknown[] = [];
  const volumeMounts: unknown[] = [];
  if (useSecret) {
    volumes.push({ name: 'cloud-credentials', secret: { secretName: secretName(values, fullname) } });
    volumeMounts.push({ name: 'cloud-credentials', mountPath: '/credentials' });
  }
  if (hostPaths) {
    volumes.push({ name: 'host-pods', hostPath: { path: String(get(values, 'nodeAgent.podVolumePath') ?? '/var/lib/kubelet/pods') } });
    volumes.push({ name: 'host-plugins', hostPath: { path: String(get(values, 'nodeAgent.pluginVolumePath') ?? '/var/lib/kubelet/plugins') } });
    volumeMounts.push({ name: 'host-pods', mountPath: '/host_pods', mountPropagation: 'HostToContainer' });
    volumeMounts.push({ name: 'host-plugins', mountPath: '/host_plugins', mountPropagation: 'HostToContainer' });
  }
  if (get(values, 'nodeAgent.useScratchEmptyDir') !== false) {
    volumes.push({ name: 'scratch', emptyDir: {} });
    volumeMounts.push({ name: 'scratch', mountPath: '/scratch' });
  }
  const extraVolumes = get(values, 'nodeAgent.extraVolumes');
  if (Array.isArray(extraVolumes)) volumes.push(...structuredClone(extraVolumes));
  const extraMounts = get(values, 'nodeAgent.extraVolumeMounts');
  if (Array.isArray(extraMounts)) volumeMounts.push(...structuredClone(extraMounts));
  const args = [name === 'restic' ? 'restic' : 'node-agent', 'server'];
  for (const [key, flag] of [['features', '--features'], ['logLevel', '--log-level'], ['logFormat', '--log-format']] as const) {
    const value = get(values, `configuration.${key}`);
    if (truthy(value)) args.push(`${flag}=${quoted(value)}`);
  }
  const extraArgs = get(values, 'nodeAgent.extraArgs');
  if (Array.isArray(extraArgs)) args.push(...extraArgs.map(quoted));
  const podSpec: Record<string, unknown> = {
    serviceAccountName: `${fullname}-server`,
    volumes,
    containers: [
      {
        name,
        image: image(values),
        imagePullPolicy: get(values, 'image.pullPolicy'),
        command: ['/velero'],
        args,
        volumeMounts,
        env: [
          { name: 'VELERO_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'VELERO_SCRATCH_DIR', value: '/scratch' },
          ...credentialEnv(values, fullname),
        ],
        securityContext: structuredClone(get(values, 'nodeAgent.containerSecurityContext') ?? {}),
      },
    ],
  };
  const podSecurityContext = get(values, 'nodeAgent.podSecurityContext');
  if (truthy(podSecurityContext)) podSpec.securityContext = structuredClone(podSecurityContext);
  const tolerations = get(values, 'nodeAgent.tolerations');
  if (truthy(tolerations)) podSpec.tolerations = structuredClone(tolerations);
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: options.namespace, labels: labels(values, options.release, chart, get(values, 'nodeAgent.labels')) },
    spec: {
      selector: { matchLabels: { name } },
      template: { metadata: { labels: { name, role: name, ...labels(values, options.release, chart, get(values, 'nodeAgent.podLabels')) } }, spec: podSpec },
    },
  };
}
