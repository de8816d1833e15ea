/**
 * must.s3-target, manifests — plan: "S3 target configured for Pi MinIO".
 *
 * The rendered BackupStorageLocation equals the plan: provider, bucket, prefix, s3Url, region and
 * s3ForcePathStyle (each plan value only while its expectation is on, `expects(plan, key)`), it is
 * the default location and writable. Values in `spec.config` are strings (CRD: map of strings), so
 * path style must be the string "true" — the chart quotes it (docs/velero-facts.md §5); a YAML boolean is
 * rejected by the API server.
 *
 * No VolumeSnapshotLocation may be rendered with an empty provider: the chart's default
 * `snapshotsEnabled: true` plus its default list item `provider: ""` renders exactly that
 * (docs/velero-facts.md §5), and a backup that tries native snapshots then fails on the location.
 */
import { expects } from '../../plan.ts';
import type { KubeObject } from '../../state.ts';
import { fail, pass, skip, type Finding, type JudgeContext } from '../types.ts';
import { inNamespace } from '../facts/object-access.ts';
import { selectPlanBsl } from '../facts/plan-objects.ts';
import { serverFlag, veleroDeployment } from '../facts/workloads.ts';
import { crdProblemsOf, describeObject, provenance } from '../facts/manifests-input.ts';
import { newChecks, remedy, type Checks } from '../checks.ts';

const ID = 'must.s3-target' as const;

function expectedText(context: JudgeContext): string {
  const { plan } = context;
  const s = plan.storage;
  const parts = [`provider ${s.provider}`];
  if (expects(plan, 'bucket')) parts.push(`bucket ${s.bucket}`);
  if (expects(plan, 'prefix')) parts.push(`prefix "${s.prefix}"`);
  if (expects(plan, 's3Url')) parts.push(`s3Url ${s.s3Url}`);
  if (expects(plan, 'region')) parts.push(`region ${s.region}`);
  if (expects(plan, 'pathStyle')) parts.push(`s3ForcePathStyle "${s.s3ForcePathStyle}"`);
  parts.push('default: true');
  return `Plan: "S3 target configured for Pi MinIO" — BackupStorageLocation ${s.locationName} with ${parts.join(', ')}.`;
}

/** scheme://host[:port] lower-cased, without a trailing slash: URLs compare by meaning. */
export function normalizeUrl(url: string): string {
  try {
    const parsed = new URL(url.trim());
    const path = parsed.pathname.replace(/\/+$/, '');
    return `${parsed.protocol}//${parsed.host}${path}`.toLowerCase();
  } catch {
    return url.trim().replace(/\/+$/, '').toLowerCase();
  }
}

function normalizePrefix(prefix: unknown): string {
  return typeof prefix === 'string' ? prefix.replace(/^\/+|\/+$/g, '') : '';
}

function compare(checks: Checks, where: string, field: string, expected: string, actual: unknown, equal: boolean, fix: string): void {
  const shown = actual === undefined ? '(unset)' : JSON.stringify(actual);
  checks.evidence.push(`${where}: ${field} = ${shown}${equal ? '' : ` (plan: "${expected}")`}`);
  if (!equal) {
    checks.problems.push(`${field} is ${shown}, the plan says "${expected}"`);
    remedy(checks, fix);
  }
}

function checkBsl(checks: Checks, context: JudgeContext, bsl: KubeObject): void {
  const { plan, state } = context;
  const s = plan.storage;
  const where = describeObject(bsl);
  const spec = (bsl.spec ?? {}) as { provider?: string; objectStorage?: { bucket?: string; prefix?: string }; config?: Record<string, unknown>; default?: boolean; accessMode?: string };
  const config = spec.config ?? {};
  const values = 'configuration.backupStorageLocation[0]';
  compare(checks, where, 'spec.provider', s.provider, spec.provider, spec.provider === s.provider, `Set \`${values}.provider: ${s.provider}\`.`);
  if (expects(plan, 'bucket')) {
    const bucket = spec.objectStorage?.bucket;
    compare(checks, where, 'spec.objectStorage.bucket', s.bucket, bucket, bucket === s.bucket, `Set \`${values}.bucket: ${s.bucket}\`.`);
  }
  if (expects(plan, 'prefix')) {
    const prefix = spec.objectStorage?.prefix;
    compare(checks, where, 'spec.objectStorage.prefix', s.prefix, prefix, normalizePrefix(prefix) === normalizePrefix(s.prefix), `Set \`${values}.prefix\` to "${s.prefix}"${s.prefix ? '' : ' (or remove it)'}.`);
  }
  if (expects(plan, 's3Url')) {
    const url = config.s3Url;
    compare(checks, where, 'spec.config.s3Url', s.s3Url, url, typeof url === 'string' && normalizeUrl(url) === normalizeUrl(s.s3Url), `Set \`${values}.config.s3Url: ${s.s3Url}\`.`);
  }
  if (expects(plan, 'region')) {
    const region = config.region;
    compare(checks, where, 'spec.config.region', s.region, region, region === s.region, `Set \`${values}.config.region: ${s.region}\` (required with path-style addressing).`);
  }
  if (expects(plan, 'pathStyle')) {
    const value = config.s3ForcePathStyle;
    const wanted = String(s.s3ForcePathStyle);
    const equal = value === wanted || (!s.s3ForcePathStyle && value === undefined);
    compare(checks, where, 'spec.config.s3ForcePathStyle', wanted, value, equal, `Set \`${values}.config.s3ForcePathStyle: "${wanted}"\` (a quoted string; MinIO needs path-style addressing).`);
    if (typeof value === 'boolean') {
      checks.problems.push('spec.config.s3ForcePathStyle is a YAML boolean: BSL config is a map of strings and the API server rejects it');
      remedy(checks, 'Quote the value in the rendered manifest: s3ForcePathStyle: "true".');
    }
  }
  checks.evidence.push(`${where}: spec.default = ${spec.default === undefined ? '(unset)' : String(spec.default)}`);
  // Velero's backup controller puts a backup without a location on the BSL marked default, else on
  // the one named by the server flag --default-backup-storage-location (default "default",
  // chart configuration.defaultBackupStorageLocation) — docs/velero-facts.md "The default backup storage location".
  const serverDefault = serverFlag(veleroDeployment(state, plan), 'default-backup-storage-location') ?? 'default';
  const othersMarked = inNamespace(state.objects.backupStorageLocations, plan.namespace).some((other) => other !== bsl && other.spec?.default === true);
  if (spec.default !== true && !othersMarked && bsl.metadata.name === serverDefault) {
    checks.evidence.push(`${where}: not marked default, but named "${serverDefault}" like the server's --default-backup-storage-location and no other location is marked default, so backups without a location go here`);
  } else if (spec.default !== true) {
    checks.problems.push(`${bsl.metadata.name} is not the default location (spec.default is ${spec.default ?? 'unset'})`);
    remedy(checks, `Set \`${values}.default: true\`: backups without an explicit location (manual ones) go to the default location.`);
  }
  if (spec.accessMode === 'ReadOnly') {
    checks.problems.push(`${bsl.metadata.name} is ReadOnly: Velero cannot write backups to it`);
    remedy(checks, `Set \`${values}.accessMode: ReadWrite\`.`);
  }
  const crd = crdProblemsOf(state, bsl);
  if (crd.length) {
    checks.problems.push(`the Velero CRD rejects ${where}: ${crd.join('; ')}`);
    remedy(checks, 'Fix the BackupStorageLocation so it validates against the Velero v1.18 CRD.');
  }
}

/** "name (provider p, bucket b/prefix, endpoint e)" of every BSL: the report names each location it judged. */
function describeLocations(context: JudgeContext): string[] {
  const { plan, state } = context;
  return inNamespace(state.objects.backupStorageLocations, plan.namespace).map((bsl) => {
    const spec = (bsl.spec ?? {}) as { provider?: string; objectStorage?: { bucket?: string; prefix?: string }; config?: Record<string, unknown> };
    const endpoint = typeof spec.config?.s3Url === 'string' ? spec.config.s3Url : spec.provider === 'aws' ? 'AWS S3' : `${spec.provider ?? '?'} service`;
    const bucket = `${spec.objectStorage?.bucket ?? '(no bucket)'}${spec.objectStorage?.prefix ? `/${spec.objectStorage.prefix}` : ''}`;
    return `Storage location ${bsl.metadata.name}: provider ${spec.provider || '(empty)'}, bucket ${bucket}, endpoint ${endpoint}`;
  });
}

/** CSI snapshots or default file-system backup: PVs then rarely reach a VolumeSnapshotLocation. */
function volumesBypassSnapshotter(context: JudgeContext): boolean {
  const deployment = veleroDeployment(context.state, context.plan);
  const features = serverFlag(deployment, 'features') ?? '';
  const args = ((deployment?.spec?.template?.spec?.containers ?? [])[0]?.args ?? []).map(String);
  return /EnableCSI/.test(features) || args.includes('--default-volumes-to-fs-backup') || args.includes('--default-volumes-to-restic');
}

function checkSnapshotLocations(checks: Checks, context: JudgeContext): void {
  const { plan, state } = context;
  const locations = inNamespace(state.objects.volumeSnapshotLocations, plan.namespace);
  const selfHostedStore = inNamespace(state.objects.backupStorageLocations, plan.namespace).find(
    (bsl) => bsl.spec?.provider === 'aws' && typeof bsl.spec?.config?.s3Url === 'string' && !/amazonaws\.com/.test(bsl.spec.config.s3Url),
  );
  for (const vsl of locations) {
    if (vsl.spec?.provider !== 'aws' || !selfHostedStore) continue;
    const text = `${describeObject(vsl)} has provider aws (EBS snapshots through the AWS API) while the objects go to ${String(selfHostedStore.spec?.config?.s3Url)}, which is not AWS: a backup that snapshots a volume this way fails for volumes that are not EBS`;
    if (volumesBypassSnapshotter(context)) checks.warnings.push(`${text} (CSI snapshots or default file-system backup are on, so most volumes do not use it).`);
    else {
      checks.problems.push(text);
      remedy(checks, 'Set `snapshotsEnabled: false` (and drop `configuration.volumeSnapshotLocation`) when the volumes are not on AWS EBS; back them up with the node agent (file-system backup) or CSI snapshots.');
    }
  }
  if (locations.length === 0) {
    checks.evidence.push('VolumeSnapshotLocations: none rendered');
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
      checks.warnings.push(`${describeObject(vsl)} (provider ${provider}) is rendered although the plan uses no volume snapshots (snapshotsEnabled: false).`);
    }
  }
}

/**
 * The location backups use by default: marked `default: true`, else the one named like the
 * server's --default-backup-storage-location; with the storage expectations on, the plan's.
 */
function selectLocation(context: JudgeContext): ReturnType<typeof selectPlanBsl> {
  const { state, plan } = context;
  if (expects(plan, 'bucket') || expects(plan, 's3Url')) return selectPlanBsl(state, plan);
  const locations = inNamespace(state.objects.backupStorageLocations, plan.namespace);
  const marked = locations.find((bsl) => bsl.spec?.default === true);
  if (marked) return { object: marked, how: 'marked spec.default: true' };
  const serverDefault = serverFlag(veleroDeployment(state, plan), 'default-backup-storage-location') ?? 'default';
  const named = locations.find((bsl) => bsl.metadata.name === serverDefault);
  if (named) return { object: named, how: `named like --default-backup-storage-location (${serverDefault})` };
  if (locations.length) return { object: locations[0], how: 'the only location', note: `No location is marked default or named "${serverDefault}": judged ${locations[0].metadata.name}.` };
  return { how: 'none' };
}

function sourceLines(context: JudgeContext): string[] {
  const values = context.state.manifests?.values;
  if (!values) return [];
  return [
    `Chart assumed: velero ${values.chartVersion} (Velero ${values.appVersion ?? '?'})${values.chartPin ? `, the source pins ${values.chartPin}` : ', the source pins no version'}`,
  ];
}

function judge(context: JudgeContext): Finding {
  const { state, plan } = context;
  const checks = newChecks();
  checks.evidence.push(...sourceLines(context), ...describeLocations(context));
  for (const note of state.manifests?.values?.notes ?? []) if (!/initContainers|extraObjects/.test(note)) checks.warnings.push(note);
  const selected = selectLocation(context);
  if (selected.note && selected.object) checks.warnings.push(selected.note);
  const storagePlanned = expects(plan, 'bucket') || expects(plan, 's3Url');
  const merged = state.manifests?.values?.merged;
  if (!selected.object && !storagePlanned && state.manifests?.mode !== 'rendered' && merged?.backupsEnabled === false) {
    checks.evidence.push('backupsEnabled: false — the chart renders no BackupStorageLocation; the locations are managed outside the chart (not shown)');
    const configured = (merged.configuration as Record<string, unknown> | undefined)?.backupStorageLocation;
    if (Array.isArray(configured) ? configured.length > 0 : configured && typeof configured === 'object') {
      checks.warnings.push('configuration.backupStorageLocation is set, but backupsEnabled: false makes the chart ignore it: the location is not created by this release.');
    }
  } else if (!selected.object && !storagePlanned && state.manifests?.values?.notes.some((note) => /not shown/.test(note))) {
    checks.evidence.push('No BackupStorageLocation in what could be read; part of the values is not shown (see the warnings)');
    checks.warnings.push('The storage location cannot be judged: the values that would configure it are not in the input.');
  } else if (!selected.object) {
    checks.problems.push(`no BackupStorageLocation named ${plan.storage.locationName} is rendered in namespace ${plan.namespace}`);
    checks.evidence.push(selected.note ?? 'BackupStorageLocations: none rendered (the chart renders them only with backupsEnabled: true)');
    remedy(checks, `Configure \`configuration.backupStorageLocation\` with name ${plan.storage.locationName}, provider ${plan.storage.provider}, bucket and config, and keep backupsEnabled: true.`);
  } else {
    checkBsl(checks, context, selected.object);
  }
  checkSnapshotLocations(checks, context);
  const from = provenance(state);
  const extra = { expected: expectedText(context), warnings: checks.warnings.length ? checks.warnings : undefined };
  if (checks.problems.length) {
    const headline = expects(plan, 'bucket') || expects(plan, 's3Url') ? 'The S3 target does not match the plan' : 'The storage locations are misconfigured';
    return fail(ID, `${headline}${from}: ${checks.problems.join('; ')}.`, checks.evidence, checks.remediation.join(' '), extra);
  }
  if (!selected.object) return { ...skip(ID, `Not shown${from}: no storage location is in the values that could be read.`, checks.evidence), warnings: extra.warnings };
  const what = storagePlanned ? "matches the plan's S3 target" : 'is the default location and writable';
  return pass(ID, `BackupStorageLocation ${selected.object.metadata.name} ${what}${from}.`, checks.evidence, extra);
}

export const judgeS3TargetManifests = judge;
