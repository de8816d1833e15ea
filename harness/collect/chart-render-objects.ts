/**
 * The configuration objects the Velero chart renders from values: BackupStorageLocations,
 * VolumeSnapshotLocations, Schedules, the credentials Secret and the namespace-labelling hook Job
 * (chart 12.1.0 templates, docs/velero-facts.md §5).
 */
import type { KubeObject } from '../state.ts';
import type { ChartReference } from './chart-reference.ts';
import { labels, secretName } from './chart-names.ts';
import type { RenderOptions } from './chart-render.ts';
import { getPath as get, isPlainObject, quoted, truthy, type Values } from './helm-template.ts';

function quotedMap(value: unknown): Record<string, string> | undefined {
  if (!isPlainObject(value) || Object.keys(value).length === 0) return undefined;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, quoted(item)]));
}

function credentialRef(value: unknown): { name?: string; key?: string } | undefined {
  if (!isPlainObject(value)) return undefined;
  const ref: { name?: string; key?: string } = {};
  if (truthy(value.name)) ref.name = String(value.name);
  if (truthy(value.key)) ref.key = String(value.key);
  return ref.name || ref.key ? ref : undefined;
}

export function renderBsl(item: Values, values: Values, options: RenderOptions, chart: ChartReference): KubeObject {
  const objectStorage: Record<string, unknown> = { bucket: quoted(item.bucket) };
  if (truthy(item.prefix)) objectStorage.prefix = quoted(item.prefix);
  if (truthy(item.caCert)) objectStorage.caCert = quoted(item.caCert);
  const spec: Record<string, unknown> = { provider: quoted(item.provider) };
  const credential = credentialRef(item.credential);
  if (credential) spec.credential = credential;
  spec.accessMode = truthy(item.accessMode) ? quoted(item.accessMode) : 'ReadWrite';
  if (truthy(item.default)) spec.default = item.default === true || item.default === 'true';
  if (truthy(item.validationFrequency)) spec.validationFrequency = quoted(item.validationFrequency);
  if (truthy(item.backupSyncPeriod)) spec.backupSyncPeriod = quoted(item.backupSyncPeriod);
  spec.objectStorage = objectStorage;
  const config = quotedMap(item.config);
  if (config) spec.config = config; // docs/velero-facts.md §5: every config value is quoted (s3ForcePathStyle → "true")
  const metadata: KubeObject['metadata'] = { name: truthy(item.name) ? String(item.name) : 'default', namespace: options.namespace, labels: labels(values, options.release, chart) };
  const annotations = quotedMap(item.annotations);
  if (annotations) metadata.annotations = annotations;
  return { apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata, spec };
}

export function renderVsl(item: Values, values: Values, options: RenderOptions, chart: ChartReference): KubeObject {
  const spec: Record<string, unknown> = { provider: quoted(item.provider) };
  const credential = credentialRef(item.credential);
  if (credential) spec.credential = credential;
  const config = quotedMap(item.config);
  if (config) spec.config = config;
  return {
    apiVersion: 'velero.io/v1',
    kind: 'VolumeSnapshotLocation',
    metadata: { name: truthy(item.name) ? String(item.name) : 'default', namespace: options.namespace, labels: labels(values, options.release, chart) },
    spec,
  };
}

export function renderSchedule(key: string, schedule: Values, values: Values, options: RenderOptions, chart: ChartReference, fullname: string): KubeObject {
  const spec: Record<string, unknown> = {};
  if (truthy(schedule.paused)) spec.paused = schedule.paused;
  if (truthy(schedule.useOwnerReferencesInBackup)) spec.useOwnerReferencesInBackup = schedule.useOwnerReferencesInBackup;
  if (truthy(schedule.skipImmediately)) spec.skipImmediately = schedule.skipImmediately;
  spec.schedule = quoted(schedule.schedule);
  if (truthy(schedule.template)) spec.template = structuredClone(schedule.template);
  const metadata: KubeObject['metadata'] = { name: `${fullname}-${key}`, namespace: options.namespace, labels: labels(values, options.release, chart, schedule.labels) };
  if (isPlainObject(schedule.annotations) && truthy(schedule.annotations)) metadata.annotations = quotedMap(schedule.annotations);
  return { apiVersion: 'velero.io/v1', kind: 'Schedule', metadata, spec };
}

export function renderSecret(values: Values, options: RenderOptions, chart: ChartReference, fullname: string): KubeObject {
  const data: Record<string, string> = {};
  for (const field of ['credentials.secretContents', 'credentials.extraEnvVars']) {
    const map = get(values, field);
    if (isPlainObject(map)) for (const [key, value] of Object.entries(map)) data[key] = Buffer.from(quoted(value)).toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName(values, fullname), namespace: options.namespace, labels: labels(values, options.release, chart) },
    type: 'Opaque',
    data,
  };
}

/**
 * The chart's `label-namespace` hook Job (charts with `namespace.labels`): after install and
 * upgrade it runs `kubectl label namespace <release namespace> key=value …`, so the labels given
 * in the values end up on the namespace — Pod Security labels among them (docs/velero-facts.md,
 * "Pod Security admission and the node agent").
 */
export function renderLabelNamespaceJob(values: Values, options: RenderOptions, chart: ChartReference, fullname: string): KubeObject | undefined {
  // Older chart releases have no such template: Helm ignores the key there.
  if (!isPlainObject(chart.defaults.namespace)) return undefined;
  const given = get(values, 'namespace.labels');
  if (!isPlainObject(given) || Object.keys(given).length === 0) return undefined;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `${fullname}-label-namespace`,
      namespace: options.namespace,
      labels: labels(values, options.release, chart),
      annotations: { 'helm.sh/hook': 'post-install,post-upgrade,post-rollback', 'helm.sh/hook-delete-policy': 'hook-succeeded' },
    },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'label-namespace', command: ['/bin/kubectl'], args: ['label', 'namespace', options.namespace, ...Object.entries(given).map(([key, value]) => `${key}=${quoted(value)}`)] }],
        },
      },
    },
  };
}

/**
 * The location items of `configuration.<key>`: a list (chart 4.0.0 and later), or the single map
 * of older charts, whose provider may sit at `configuration.provider`.
 */
export function locationItems(values: Values, key: 'backupStorageLocation' | 'volumeSnapshotLocation'): Values[] {
  const raw = get(values, `configuration.${key}`);
  if (Array.isArray(raw)) return raw.filter(isPlainObject);
  if (!isPlainObject(raw)) return [];
  const item = structuredClone(raw);
  if (!truthy(item.provider) && truthy(get(values, 'configuration.provider'))) item.provider = get(values, 'configuration.provider');
  return [item];
}
