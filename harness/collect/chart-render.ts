/**
 * The objects the Velero chart would render from (merged) values, without Helm, so that the same
 * judges serve `helm template` output and a bare values file (chart-values.ts reads and checks
 * the values).
 *
 * Mapping values → objects (chart 12.1.0 templates, docs/velero-facts.md §5):
 * - Deployment `velero` (always; the name is the chart's fullname, `velero` for release `velero`):
 *   container `velero` with image `<image.repository>:<image.tag>` (or `@<digest>`), args `server`,
 *   `--uploader-type=<configuration.uploaderType | default "kopia">`, `--default-volumes-to-fs-backup`
 *   when truthy, `--default-backup-ttl=…` when set, `configuration.extraArgs`; `initContainers`
 *   copied verbatim; with `credentials.useSecret` the Secret `existingSecret` (else `credentials.name`,
 *   else the fullname) is mounted as volume `cloud-credentials` at `/credentials` and
 *   `AWS_SHARED_CREDENTIALS_FILE=/credentials/cloud` is set.
 * - DaemonSet `node-agent` only when `deployNodeAgent` (chart default **false**), with hostPath
 *   `nodeAgent.podVolumePath` → `/host_pods` and `pluginVolumePath` → `/host_plugins`
 *   (HostToContainer) unless `nodeAgent.disableHostPath`, and the same credentials mount.
 * - One BackupStorageLocation per `configuration.backupStorageLocation` item when `backupsEnabled`
 *   (name defaults to `default`; every `config` value is quoted, so `s3ForcePathStyle: true`
 *   renders as the string "true").
 * - One VolumeSnapshotLocation per `configuration.volumeSnapshotLocation` item when
 *   `snapshotsEnabled` (chart default **true**, and the default item has `provider: ""`).
 * - One Schedule per `schedules.<key>` that is not `disabled`, named `<fullname>-<key>`
 *   (`velero-daily`), `template` copied verbatim (so `ttl: 336h` stays a string).
 * - Secret `<fullname>` (or `credentials.name`) with `secretContents` + `credentials.extraEnvVars`
 *   when `useSecret` and no `existingSecret`: plaintext credentials in git (summarised, never kept).
 * - `extraObjects` that are plain objects.
 */
import type { KubeObject } from '../state.ts';
import { chartReference, type ChartReference } from './chart-reference.ts';
import { chartFullname } from './chart-names.ts';
import { locationItems, renderBsl, renderLabelNamespaceJob, renderSchedule, renderSecret, renderVsl } from './chart-render-objects.ts';
import { renderDeployment, renderNodeAgent } from './chart-render-workloads.ts';
import { getPath as get, isPlainObject, truthy, type Values } from './helm-template.ts';

export interface RenderOptions {
  release: string;
  namespace: string;
  /** The chart release whose templates are followed (default: the newest vendored). */
  chart?: ChartReference;
}

export interface Rendered {
  objects: KubeObject[];
  notes: string[];
}

/**
 * The objects the chart would render from (merged) values. Objects the judges do not read
 * (RBAC, ServiceAccount, ConfigMaps, CRD jobs) are left out.
 */
export function renderFromValues(values: Values, options: RenderOptions): Rendered {
  const chart = options.chart ?? chartReference();
  const notes: string[] = [];
  const fullname = chartFullname(values, options.release, chart.chartName);
  const objects: KubeObject[] = [renderDeployment(values, options, chart, fullname, notes)];
  if (truthy(get(values, 'deployNodeAgent'))) objects.push(renderNodeAgent(values, options, chart, fullname));
  if ('deployRestic' in chart.defaults && truthy(get(values, 'deployRestic'))) objects.push(renderNodeAgent(values, options, chart, fullname, 'restic'));
  if (truthy(get(values, 'backupsEnabled'))) {
    for (const item of locationItems(values, 'backupStorageLocation')) objects.push(renderBsl(item, values, options, chart));
  }
  if (truthy(get(values, 'snapshotsEnabled'))) {
    for (const item of locationItems(values, 'volumeSnapshotLocation')) objects.push(renderVsl(item, values, options, chart));
  }
  const schedules = get(values, 'schedules');
  if (isPlainObject(schedules)) {
    // Helm ranges over a map in sorted key order.
    for (const key of Object.keys(schedules).sort()) {
      const schedule = schedules[key];
      if (isPlainObject(schedule) && !truthy(schedule.disabled)) objects.push(renderSchedule(key, schedule, values, options, chart, fullname));
    }
  }
  if (truthy(get(values, 'credentials.useSecret')) && !truthy(get(values, 'credentials.existingSecret'))) {
    objects.push(renderSecret(values, options, chart, fullname));
  }
  const labelJob = renderLabelNamespaceJob(values, options, chart, fullname);
  if (labelJob) objects.push(labelJob);
  const extraObjects = get(values, 'extraObjects');
  if (Array.isArray(extraObjects)) {
    for (const item of extraObjects) {
      if (isPlainObject(item)) objects.push(structuredClone(item) as KubeObject);
      else notes.push('an extraObjects entry is a template string and was not evaluated.');
    }
  }
  return { objects, notes };
}
