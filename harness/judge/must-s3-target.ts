/**
 * must.s3-target — plan: "S3 target configured for Pi MinIO" (`homelab-backup-velero` @
 * `http://10.10.10.209:9000`). One judge for every target: it reads the BackupStorageLocation and
 * VolumeSnapshotLocation specs, which are the same whether they come from a cluster, a snapshot
 * or rendered manifests.
 *
 * Compares the plan's BackupStorageLocation field by field (docs/velero-facts.md §3 BSL spec, §5 chart:
 * config values are strings, `s3ForcePathStyle: "true"`; §6 AWS plugin config keys). Each
 * plan-specific value is compared only while its expectation is on (`bucket`, `prefix`, `s3Url`
 * — which also covers the provider —, `region`, `pathStyle`); the generic checks always hold:
 * the location exists, names a provider, is the location backups without one go to, is
 * writable, and has a region when path-style addressing is on (the AWS plugin requires it,
 * docs/velero-facts.md §6). Values in `spec.config` are strings (CRD: map of strings): a YAML
 * boolean is rejected by the API server.
 *
 * No VolumeSnapshotLocation may have an empty provider: the chart's default `snapshotsEnabled:
 * true` plus its default list item `provider: ""` renders exactly that (docs/velero-facts.md §5),
 * and a backup that tries native snapshots then fails on the location.
 *
 * Facts only a manifests input carries are used when present: what the real CRDs say about the
 * BSL, the chart release assumed, and whether the values create a location at all.
 */
import { expects, type BackupPlan } from '../plan.ts';
import type { KubeObject, State } from '../state.ts';
import { fail, pass, skip, type Judge, details } from './types.ts';
import { remedy, newChecks, type Checks } from './checks.ts';
import { failIfVeleroAbsent, goBool, serverFlag, veleroDeployment } from './facts/workloads.ts';
import { defaultLocation, failNoPlanBsl, selectPlanBsl } from './facts/plan-objects.ts';
import { inNamespace } from './facts/object-access.ts';
import { crdProblemsOf, describeObject, provenance } from './facts/manifests-input.ts';

const ID = 'must.s3-target' as const;

interface FieldCheck {
  field: string;
  expected: string;
  observed: string;
  ok: boolean;
  /** Helm value to set when it fails. */
  fix: string;
}

/** `velero.io/aws` and `aws` name the same plugin. */
function normalizeProvider(provider: string): string {
  return provider.replace(/^velero\.io\//, '');
}

function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

/** Scheme and host compared case-insensitively; a trailing slash does not matter. */
export function normalizeUrl(url: string): string {
  try {
    const parsed = new URL(url.trim());
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return url.trim().replace(/\/+$/, '').toLowerCase();
  }
}

function show(value: unknown): string {
  return value === undefined || value === null || value === '' ? '(unset)' : JSON.stringify(value);
}

function planFieldChecks(bsl: KubeObject, plan: BackupPlan): FieldCheck[] {
  const spec = bsl.spec ?? {};
  const config: Record<string, unknown> = spec.config ?? {};
  const checks: FieldCheck[] = [];
  const storage = plan.storage;
  if (expects(plan, 's3Url')) {
    checks.push({
      field: 'spec.provider',
      expected: storage.provider,
      observed: show(spec.provider),
      ok: normalizeProvider(String(spec.provider ?? '')) === normalizeProvider(storage.provider),
      fix: `provider: ${storage.provider}`,
    });
    checks.push({
      field: 'spec.config.s3Url',
      expected: storage.s3Url,
      observed: show(config.s3Url),
      ok: typeof config.s3Url === 'string' && normalizeUrl(config.s3Url) === normalizeUrl(storage.s3Url),
      fix: `config.s3Url: "${storage.s3Url}"`,
    });
  }
  if (expects(plan, 'bucket')) {
    checks.push({ field: 'spec.objectStorage.bucket', expected: storage.bucket, observed: show(spec.objectStorage?.bucket), ok: spec.objectStorage?.bucket === storage.bucket, fix: `bucket: ${storage.bucket}` });
  }
  if (expects(plan, 'prefix')) {
    checks.push({
      field: 'spec.objectStorage.prefix',
      expected: storage.prefix === '' ? '(none)' : storage.prefix,
      observed: show(spec.objectStorage?.prefix),
      ok: normalizePrefix(String(spec.objectStorage?.prefix ?? '')) === normalizePrefix(storage.prefix),
      fix: storage.prefix === '' ? 'remove prefix' : `prefix: ${storage.prefix}`,
    });
  }
  if (expects(plan, 'region')) {
    checks.push({ field: 'spec.config.region', expected: storage.region, observed: show(config.region), ok: config.region === storage.region, fix: `config.region: ${storage.region}` });
  }
  if (expects(plan, 'pathStyle')) {
    // The AWS plugin reads s3ForcePathStyle with strconv.ParseBool ("True" and "1" are true too);
    // the chart quotes it ("true"). A YAML boolean is a separate problem (checkConfigTypes).
    const observed = goBool(config.s3ForcePathStyle) ?? false;
    checks.push({
      field: 'spec.config.s3ForcePathStyle',
      expected: storage.s3ForcePathStyle ? '"true"' : '"false" or unset',
      observed: show(config.s3ForcePathStyle),
      ok: observed === storage.s3ForcePathStyle,
      fix: `config.s3ForcePathStyle: "${storage.s3ForcePathStyle}"`,
    });
  }
  return checks;
}

/**
 * Checks that hold for any install; the provider check is left to the plan's stricter one while
 * it runs. The default-location rule is Velero's (defaultLocation): a location named like the
 * server's --default-backup-storage-location is the default without the mark when no other is
 * marked — the manifests gate knew this, the cluster judge required the mark; Velero does not.
 */
function genericChecks(state: State, plan: BackupPlan, bsl: KubeObject): FieldCheck[] {
  const spec = bsl.spec ?? {};
  const config: Record<string, unknown> = spec.config ?? {};
  const checks: FieldCheck[] = [];
  if (!expects(plan, 's3Url')) {
    checks.push({ field: 'spec.provider', expected: 'set', observed: show(spec.provider), ok: typeof spec.provider === 'string' && spec.provider !== '', fix: 'provider: aws' });
  }
  const fallback = defaultLocation(state, plan);
  const isDefault = fallback.object === bsl;
  const otherMarked = fallback.object && fallback.object !== bsl && fallback.object.spec?.default === true ? fallback.object.metadata.name : undefined;
  checks.push(
    {
      field: 'spec.default',
      expected: 'true (backups without --storage-location go to the default location)',
      observed:
        isDefault && spec.default !== true
          ? `${show(spec.default)} — ${fallback.how} and no other location is marked default, so backups without a location go here`
          : `${show(spec.default)}${otherMarked ? ` (default is "${otherMarked}")` : spec.default === true ? '' : ` (the server's --default-backup-storage-location is "${fallback.serverDefault}")`}`,
      ok: isDefault,
      fix: 'default: true (and no other location marked default)',
    },
    {
      field: 'spec.accessMode',
      expected: 'ReadWrite (or unset)',
      observed: show(spec.accessMode),
      ok: spec.accessMode !== 'ReadOnly',
      fix: 'accessMode: ReadWrite',
    },
  );
  if (goBool(config.s3ForcePathStyle) && !expects(plan, 'region')) {
    checks.push({ field: 'spec.config.region (required with path style)', expected: 'set', observed: show(config.region), ok: !!config.region, fix: 'config.region: minio' });
  }
  return checks;
}

/** What the API server would refuse: a non-string config value, and (manifests input) what the real CRDs reject. */
function checkConfigTypes(checks: Checks, state: State, bsl: KubeObject): void {
  for (const [key, value] of Object.entries((bsl.spec?.config ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string') continue;
    checks.problems.push(`spec.config.${key} is a YAML ${typeof value}: BSL config is a map of strings and the API server rejects it`);
    remedy(checks, `Quote the value: ${key}: "${String(value)}".`);
  }
  const crd = crdProblemsOf(state, bsl);
  if (crd.length) {
    checks.problems.push(`the Velero CRD rejects ${describeObject(bsl)}: ${crd.join('; ')}`);
    remedy(checks, 'Fix the BackupStorageLocation so it validates against the Velero v1.18 CRD.');
  }
}

/** "name (provider p, bucket b/prefix, endpoint e)" of every BSL: the report names each location it judged. */
function describeLocations(state: State, plan: BackupPlan): string[] {
  return inNamespace(state.objects.backupStorageLocations, plan.namespace).map((bsl) => {
    const spec = (bsl.spec ?? {}) as { provider?: string; objectStorage?: { bucket?: string; prefix?: string }; config?: Record<string, unknown> };
    const endpoint = typeof spec.config?.s3Url === 'string' ? spec.config.s3Url : spec.provider === 'aws' ? 'AWS S3' : `${spec.provider ?? '?'} service`;
    const bucket = `${spec.objectStorage?.bucket ?? '(no bucket)'}${spec.objectStorage?.prefix ? `/${spec.objectStorage.prefix}` : ''}`;
    return `Storage location ${bsl.metadata.name}: provider ${spec.provider || '(empty)'}, bucket ${bucket}, endpoint ${endpoint}`;
  });
}

/** CSI snapshots or default file-system backup: PVs then rarely reach a VolumeSnapshotLocation. */
function volumesBypassSnapshotter(state: State, plan: BackupPlan): boolean {
  const deployment = veleroDeployment(state, plan);
  const features = serverFlag(deployment, 'features') ?? '';
  return /EnableCSI/.test(features) || goBool(serverFlag(deployment, 'default-volumes-to-fs-backup')) === true || goBool(serverFlag(deployment, 'default-volumes-to-restic')) === true;
}

function checkSnapshotLocations(checks: Checks, state: State, plan: BackupPlan): void {
  const locations = inNamespace(state.objects.volumeSnapshotLocations, plan.namespace);
  const selfHostedStore = inNamespace(state.objects.backupStorageLocations, plan.namespace).find(
    (bsl) => bsl.spec?.provider === 'aws' && typeof bsl.spec?.config?.s3Url === 'string' && !/amazonaws\.com/.test(bsl.spec.config.s3Url),
  );
  for (const vsl of locations) {
    if (vsl.spec?.provider !== 'aws' || !selfHostedStore) continue;
    const text = `${describeObject(vsl)} has provider aws (EBS snapshots through the AWS API) while the objects go to ${String(selfHostedStore.spec?.config?.s3Url)}, which is not AWS: a backup that snapshots a volume this way fails for volumes that are not EBS`;
    if (volumesBypassSnapshotter(state, plan)) checks.warnings.push(`${text} (CSI snapshots or default file-system backup are on, so most volumes do not use it).`);
    else {
      checks.problems.push(text);
      remedy(checks, 'Set `snapshotsEnabled: false` (and drop `configuration.volumeSnapshotLocation`) when the volumes are not on AWS EBS; back them up with the node agent (file-system backup) or CSI snapshots.');
    }
  }
  if (locations.length === 0) {
    checks.evidence.push('VolumeSnapshotLocations: none');
    return;
  }
  for (const vsl of locations) {
    const provider = vsl.spec?.provider;
    checks.evidence.push(`${describeObject(vsl)}: spec.provider = ${JSON.stringify(provider ?? null)}`);
    if (typeof provider !== 'string' || provider.trim() === '') {
      checks.problems.push(`${describeObject(vsl)} has an empty provider`);
      remedy(
        checks,
        'Set `snapshotsEnabled: false` for a Kopia file-system-backup setup (the chart default is true and its default VolumeSnapshotLocation has provider ""), or give the location a real provider.',
      );
    } else if (!plan.snapshotsEnabled && plan.expect !== false) {
      checks.warnings.push(`${describeObject(vsl)} (provider ${provider}) exists although the plan uses no volume snapshots (snapshotsEnabled: false).`);
    }
  }
}

/**
 * With Helm values in the input and the storage expectations off: the values that create no
 * location (backupsEnabled: false) or could not be read say the location is not shown, not absent.
 */
function locationNotShown(state: State, plan: BackupPlan, checks: Checks): boolean {
  if (expects(plan, 'bucket') || expects(plan, 's3Url')) return false;
  const values = state.manifests?.values;
  if (!values) return false;
  const merged = values.merged;
  if (state.manifests?.mode !== 'rendered' && merged?.backupsEnabled === false) {
    checks.evidence.push('backupsEnabled: false — the chart renders no BackupStorageLocation; the locations are managed outside the chart (not shown)');
    const configured = (merged.configuration as Record<string, unknown> | undefined)?.backupStorageLocation;
    if (Array.isArray(configured) ? configured.length > 0 : configured && typeof configured === 'object') {
      checks.warnings.push('configuration.backupStorageLocation is set, but backupsEnabled: false makes the chart ignore it: the location is not created by this release.');
    }
    return true;
  }
  if (values.notes.some((note) => /not shown/.test(note))) {
    checks.evidence.push('No BackupStorageLocation in what could be read; part of the values is not shown (see the warnings)');
    checks.warnings.push('The storage location cannot be judged: the values that would configure it are not in the input.');
    return true;
  }
  return false;
}

/** The plan line plus the values actually compared (expectations that are switched off are left out). */
function expectedLine(plan: BackupPlan): string {
  const storage = plan.storage;
  const parts = [
    expects(plan, 's3Url') && `provider ${storage.provider}, s3Url ${storage.s3Url}`,
    expects(plan, 'bucket') && `bucket ${storage.bucket}`,
    expects(plan, 'prefix') && `prefix ${storage.prefix || '(none)'}`,
    expects(plan, 'region') && `region ${storage.region}`,
    expects(plan, 'pathStyle') && `s3ForcePathStyle "${storage.s3ForcePathStyle}"`,
  ].filter(Boolean);
  return `Plan: "S3 target configured for Pi MinIO" — the BackupStorageLocation ${parts.length ? `has ${parts.join(', ')}, ` : ''}names a provider, is writable and is the default location (default: true).`;
}

export const judgeS3Target: Judge = ({ state, plan }) => {
  const expected = expectedLine(plan);
  const absent = failIfVeleroAbsent(ID, state, plan, expected);
  if (absent) return absent;
  const from = provenance(state);
  const checks = newChecks();
  const values = state.manifests?.values;
  if (values) checks.evidence.push(`Chart assumed: velero ${values.chartVersion} (Velero ${values.appVersion ?? '?'})${values.chartPin ? `, the source pins ${values.chartPin}` : ', the source pins no version'}`);
  for (const note of values?.notes ?? []) if (!/initContainers|extraObjects/.test(note)) checks.warnings.push(note);
  checks.evidence.push(...describeLocations(state, plan));

  const selected = selectPlanBsl(state, plan);
  const bsl = selected.object;
  if (!bsl) {
    if (locationNotShown(state, plan, checks)) {
      checkSnapshotLocations(checks, state, plan);
      if (checks.problems.length === 0) return { ...skip(ID, `Not shown${from}: no storage location is in the values that could be read.`, checks.evidence), warnings: checks.warnings.length ? checks.warnings : undefined };
      return fail(ID, `The storage locations are misconfigured${from}: ${checks.problems.join('; ')}`, checks.evidence, checks.remediation.join(' '), details(expected, checks.warnings));
    }
    const none = failNoPlanBsl(ID, plan, selected, `Add to the Helm values configuration.backupStorageLocation: [{name: ${plan.storage.locationName}, provider: ${plan.storage.provider}, bucket: ${plan.storage.bucket}, default: true, config: {region: ${plan.storage.region}, s3ForcePathStyle: "true", s3Url: "${plan.storage.s3Url}"}}] (and keep backupsEnabled: true).`, expected);
    return { ...none, summary: `${none.summary}${from}`, evidence: [...checks.evidence, ...none.evidence], ...(checks.warnings.length ? { warnings: checks.warnings } : {}) };
  }

  if (selected.note) checks.warnings.push(selected.note);
  const fields = [...genericChecks(state, plan, bsl), ...planFieldChecks(bsl, plan)];
  checks.evidence.push(`BackupStorageLocation ${bsl.metadata.name} (${selected.how})`, ...fields.map((check) => `${check.ok ? 'ok' : 'MISMATCH'} ${check.field}: expected ${check.expected}, observed ${check.observed}`));
  const failed = fields.filter((check) => !check.ok);
  if (failed.length) {
    checks.problems.push(...failed.map((check) => `${check.field} is ${check.observed}, expected ${check.expected}`));
    checks.remediation.push(
      `Set in the Helm values under configuration.backupStorageLocation[name=${bsl.metadata.name}]: ${failed.map((check) => check.fix).join('; ')}; re-deploy and check velero backup-location get. If the plan is what differs, change storage.* (or switch the expectation off with expect.<key>: false) in velero-verify.yaml.`,
    );
  }
  checkConfigTypes(checks, state, bsl);
  const bslProblems = checks.problems.length;
  checkSnapshotLocations(checks, state, plan);

  if (checks.problems.length === 0) {
    return pass(ID, `BackupStorageLocation ${bsl.metadata.name} points at ${bsl.spec?.config?.s3Url ?? bsl.spec?.provider} bucket ${bsl.spec?.objectStorage?.bucket}${from}`, checks.evidence, details(expected, checks.warnings));
  }
  const storagePlanned = expects(plan, 'bucket') || expects(plan, 's3Url');
  const headline = bslProblems ? `BackupStorageLocation ${bsl.metadata.name} ${storagePlanned ? 'does not match the plan' : 'is misconfigured'}` : 'The storage locations are misconfigured';
  return fail(ID, `${headline}${from}: ${checks.problems.join('; ')}`, checks.evidence, checks.remediation.join(' '), details(expected, checks.warnings));
};
