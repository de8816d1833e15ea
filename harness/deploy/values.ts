/**
 * The plan's Tasks 3–4 ("install Velero with Helm", "configure the S3 target and the schedule")
 * as values for the chart vmware-tanzu/velero 12.1.0 (Velero 1.18.1). The deploy script writes
 * them to a file for `helm upgrade --install --values`; they hold no secret (the credentials
 * live in a pre-created Secret, `credentials.existingSecret`).
 *
 * Every value the plan cares about is set explicitly, even where it equals a chart default, so
 * the rendered file documents the plan and survives a change of chart defaults. Two defaults are
 * the opposite of what the plan needs (docs/velero-facts.md §5): `snapshotsEnabled` (chart: true) and
 * `deployNodeAgent` (chart: false).
 */
import { AuditInputError } from '../errors.ts';
import { parseGoDuration } from '../duration.ts';
import type { BackupPlan } from '../plan.ts';
import { chartFullname } from '../collect/chart-names.ts';
import { chartReference } from '../collect/chart-reference.ts';
import { mergeValues, valuesSchemaProblems } from '../collect/chart-values.ts';

export type HelmValues = Record<string, unknown>;

export const CHART_REPO_NAME = 'vmware-tanzu';
export const CHART_REPO_URL = 'https://vmware-tanzu.github.io/helm-charts';
export const CHART_NAME = 'velero';
export const DEFAULT_RELEASE = 'velero';
/** kubelet's pod directory; non-standard kubelets (RKE, k0s, …) need another path (docs/velero-facts.md §8). */
const DEFAULT_POD_VOLUME_PATH = '/var/lib/kubelet/pods';
/** The chart mounts the credentials Secret at /credentials and reads the key `cloud` (docs/velero-facts.md §5). */
const CHART_CREDENTIALS_KEY = 'cloud';

export interface HelmValuesOverrides {
  /** The s3Url Velero uses inside the cluster, when it differs from the plan's (e.g. MinIO on kind). */
  s3Url?: string;
  /** Helm release name (default `velero`); it decides the Schedule's name prefix. */
  release?: string;
  /** nodeAgent.podVolumePath (default /var/lib/kubelet/pods). */
  podVolumePath?: string;
}

/** `registry/repo:tag`, `repo@sha256:…` or `repo:tag@sha256:…` → the chart's image fields. */
export function splitImageReference(reference: string, fallbackTag: string): { repository: string; tag: string; digest?: string } {
  let rest = reference.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  // A colon before the last slash belongs to a registry port (registry:5000/velero/velero).
  if (colon > lastSlash) return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest ? { digest } : {}) };
  return { repository: rest, tag: fallbackTag, ...(digest ? { digest } : {}) };
}

/**
 * The key under `schedules:` that makes the chart render a Schedule named exactly
 * `plan.schedule.name`. The chart names it `<fullname>-<key>` (templates/schedule.yaml; docs/velero-facts.md
 * §5), and fullname is the release name when it contains "velero", else `<release>-velero`. So
 * release `velero` + plan name `velero-daily` → key `daily`. A plan name without that prefix
 * cannot be produced by the chart: that is a configuration error, reported with the fix.
 */
export function scheduleKeyFor(scheduleName: string, release = DEFAULT_RELEASE): string {
  const fullname = chartFullname({}, release);
  const prefix = `${fullname}-`;
  if (!scheduleName.startsWith(prefix) || scheduleName.length === prefix.length) {
    throw new AuditInputError(
      `"schedule.name" is "${scheduleName}", but the Velero chart names every Schedule "<fullname>-<key>" and the fullname for release "${release}" is "${fullname}". Use a schedule name that starts with "${prefix}" (e.g. "${prefix}daily"), or deploy with a release whose fullname is the prefix you want.`,
    );
  }
  return scheduleName.slice(prefix.length);
}

/** The plan as Helm values for vmware-tanzu/velero 12.1.0 (only the keys we set, not merged). */
export function renderHelmValues(plan: BackupPlan, overrides: HelmValuesOverrides = {}): HelmValues {
  const release = overrides.release ?? DEFAULT_RELEASE;
  const version = plan.velero.version.startsWith('v') ? plan.velero.version : `v${plan.velero.version}`;
  const image = splitImageReference(plan.velero.image, version);
  const storage = plan.storage;

  const bslConfig: Record<string, string> = {
    region: storage.region,
    // The chart quotes every config value anyway; a string here keeps our file honest (docs/velero-facts.md §5).
    s3ForcePathStyle: storage.s3ForcePathStyle ? 'true' : 'false',
    s3Url: overrides.s3Url ?? storage.s3Url,
  };
  const bsl: Record<string, unknown> = {
    name: storage.locationName,
    provider: storage.provider,
    bucket: storage.bucket,
    ...(storage.prefix ? { prefix: storage.prefix } : {}),
    default: true,
    accessMode: 'ReadWrite',
    config: bslConfig,
  };
  // The chart only wires the Secret's key `cloud` into AWS_SHARED_CREDENTIALS_FILE; any other key
  // has to be named on the location itself.
  if (plan.credentials.key !== CHART_CREDENTIALS_KEY) bsl.credential = { name: plan.credentials.secretName, key: plan.credentials.key };

  return {
    image: { repository: image.repository, tag: image.tag, ...(image.digest ? { digest: image.digest } : {}), pullPolicy: 'IfNotPresent' },
    // At least one object-store plugin must be copied into /target (the chart's `plugins` emptyDir).
    initContainers: [
      {
        name: plan.velero.plugin,
        image: plan.velero.pluginImage,
        imagePullPolicy: 'IfNotPresent',
        volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
      },
    ],
    credentials: { useSecret: true, existingSecret: plan.credentials.secretName },
    configuration: {
      uploaderType: plan.uploaderType,
      defaultVolumesToFsBackup: true,
      backupStorageLocation: [bsl],
      volumeSnapshotLocation: [],
    },
    backupsEnabled: true,
    snapshotsEnabled: plan.snapshotsEnabled,
    deployNodeAgent: plan.deployNodeAgent,
    nodeAgent: { podVolumePath: overrides.podVolumePath ?? DEFAULT_POD_VOLUME_PATH },
    upgradeCRDs: true,
    schedules: {
      [scheduleKeyFor(plan.schedule.name, release)]: {
        disabled: false,
        schedule: plan.schedule.cron,
        useOwnerReferencesInBackup: false,
        template: {
          ttl: plan.schedule.ttl,
          storageLocation: storage.locationName,
          includedNamespaces: ['*'],
          defaultVolumesToFsBackup: true,
          snapshotVolumes: false,
        },
      },
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the chart's schema does not make (it requires little: `provider` and `bucket` as
 * strings). Each problem names the values path and what was expected.
 */
export function helmValuesProblems(values: HelmValues): string[] {
  const problems: string[] = [];
  const configuration = isRecord(values.configuration) ? values.configuration : {};
  const locations = Array.isArray(configuration.backupStorageLocation) ? configuration.backupStorageLocation : [];
  if (locations.length === 0) problems.push('configuration.backupStorageLocation: expected one location (the plan\'s S3 target).');
  const locationNames = new Set<string>();
  locations.forEach((location, index) => {
    const at = `configuration.backupStorageLocation[${index}]`;
    if (!isRecord(location)) {
      problems.push(`${at}: expected a mapping.`);
      return;
    }
    locationNames.add(typeof location.name === 'string' && location.name ? location.name : 'default');
    if (typeof location.bucket !== 'string' || location.bucket.trim() === '') problems.push(`${at}.bucket: expected the bucket name, found ${JSON.stringify(location.bucket)}.`);
    if (typeof location.provider !== 'string' || location.provider.trim() === '') problems.push(`${at}.provider: expected a provider such as "aws".`);
    const config = isRecord(location.config) ? location.config : {};
    for (const [key, value] of Object.entries(config)) {
      if (typeof value !== 'string') problems.push(`${at}.config.${key}: BSL config values are strings (e.g. s3ForcePathStyle: "true"), found ${JSON.stringify(value)}.`);
    }
    if (config.s3ForcePathStyle !== undefined && !['true', 'false'].includes(String(config.s3ForcePathStyle))) {
      problems.push(`${at}.config.s3ForcePathStyle: expected "true" or "false".`);
    }
    // docs/velero-facts.md §6: region is required when s3ForcePathStyle is true.
    if (String(config.s3ForcePathStyle) === 'true' && (typeof config.region !== 'string' || config.region === '')) {
      problems.push(`${at}.config.region: required with s3ForcePathStyle "true" (MinIO setups use "minio").`);
    }
    if (config.s3Url !== undefined) {
      let ok = false;
      try {
        ok = ['http:', 'https:'].includes(new URL(String(config.s3Url)).protocol);
      } catch {
        ok = false;
      }
      if (!ok) problems.push(`${at}.config.s3Url: expected an http(s) URL, found ${JSON.stringify(config.s3Url)}.`);
    }
  });
  const defaults = locations.filter((location) => isRecord(location) && location.default === true);
  if (locations.length > 0 && defaults.length !== 1) problems.push(`configuration.backupStorageLocation: expected exactly one location with default: true, found ${defaults.length}.`);

  const initContainers = Array.isArray(values.initContainers) ? values.initContainers : [];
  if (!initContainers.some((container) => isRecord(container) && typeof container.image === 'string' && container.image !== '')) {
    problems.push('initContainers: expected the object-store plugin (velero-plugin-for-aws) as an init container with an image.');
  }
  const credentials = isRecord(values.credentials) ? values.credentials : {};
  if (credentials.useSecret !== true || typeof credentials.existingSecret !== 'string' || credentials.existingSecret === '') {
    problems.push('credentials: expected useSecret: true and existingSecret naming the pre-created credentials Secret.');
  }
  if (values.deployNodeAgent === true && !isRecord(values.nodeAgent)) problems.push('nodeAgent: required when deployNodeAgent is true.');

  const schedules = isRecord(values.schedules) ? values.schedules : {};
  for (const [key, schedule] of Object.entries(schedules)) {
    const at = `schedules.${key}`;
    if (!isRecord(schedule)) {
      problems.push(`${at}: expected a mapping.`);
      continue;
    }
    if (typeof schedule.schedule !== 'string' || schedule.schedule.trim() === '') problems.push(`${at}.schedule: expected a cron expression such as "0 3 * * *".`);
    const template = isRecord(schedule.template) ? schedule.template : undefined;
    if (!template) {
      problems.push(`${at}.template: expected the backup template (ttl, storageLocation, …).`);
      continue;
    }
    if (typeof template.ttl !== 'string' || parseGoDuration(template.ttl) === undefined) {
      problems.push(`${at}.template.ttl: expected a Go duration such as "336h", found ${JSON.stringify(template.ttl)}.`);
    }
    if (typeof template.storageLocation === 'string' && locationNames.size > 0 && !locationNames.has(template.storageLocation)) {
      problems.push(`${at}.template.storageLocation: "${template.storageLocation}" is not one of the configured locations (${[...locationNames].join(', ')}).`);
    }
  }
  return problems;
}

/**
 * The values merged over the chart's defaults (as Helm coalesces them) and checked against the
 * chart's values.schema.json plus our own checks. Needs the reference chart
 * (reference/velero/chart, or VELERO_REFERENCE_DIR); `schemaChecked` is false when it is not available.
 */
export function checkHelmValues(values: HelmValues): { problems: string[]; schemaChecked: boolean } {
  const problems = helmValuesProblems(values);
  let reference;
  try {
    reference = chartReference();
  } catch {
    return { problems, schemaChecked: false };
  }
  const merged = mergeValues(reference.defaults, values);
  for (const problem of valuesSchemaProblems(merged)) problems.push(`${problem.path.replace(/^\//, '').replace(/\//g, '.') || '(top level)'}: ${problem.message} (chart values.schema.json).`);
  return { problems, schemaChecked: true };
}
