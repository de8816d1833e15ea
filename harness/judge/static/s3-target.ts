/**
 * must.s3-target, manifests — plan: "S3 target configured for Pi MinIO".
 *
 * The rendered BackupStorageLocation equals the plan: provider, bucket, prefix, s3Url, region and
 * s3ForcePathStyle (each plan value only while its expectation is on, `expects(plan, key)`), it is
 * the default location and writable. Values in `spec.config` are strings (CRD: map of strings), so
 * path style must be the string "true" — the chart quotes it (FACTS.md §5); a YAML boolean is
 * rejected by the API server.
 *
 * No VolumeSnapshotLocation may be rendered with an empty provider: the chart's default
 * `snapshotsEnabled: true` plus its default list item `provider: ""` renders exactly that
 * (FACTS.md §5), and a backup that tries native snapshots then fails on the location.
 */
import { expects } from '../../plan.ts';
import type { KubeObject } from '../../state.ts';
import { fail, pass, type Finding, type JudgeContext } from '../types.ts';
import { inNamespace, selectPlanBsl } from '../velero-objects.ts';
import { crdProblemsOf, describeObject, newChecks, provenance, remedy, staticJudge, type Checks } from './common.ts';

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
  if (spec.default !== true) {
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

function checkSnapshotLocations(checks: Checks, context: JudgeContext): void {
  const { plan, state } = context;
  const locations = inNamespace(state.objects.volumeSnapshotLocations, plan.namespace);
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
    } else if (!plan.snapshotsEnabled) {
      checks.warnings.push(`${describeObject(vsl)} (provider ${provider}) is rendered although the plan uses no volume snapshots (snapshotsEnabled: false).`);
    }
  }
}

function judge(context: JudgeContext): Finding {
  const { state, plan } = context;
  const checks = newChecks();
  const selected = selectPlanBsl(state, plan);
  if (selected.note && selected.object) checks.warnings.push(selected.note);
  if (!selected.object) {
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
    return fail(ID, `The S3 target does not match the plan${from}: ${checks.problems.join('; ')}.`, checks.evidence, checks.remediation.join(' '), extra);
  }
  return pass(ID, `BackupStorageLocation ${selected.object!.metadata.name} matches the plan's S3 target${from}.`, checks.evidence, extra);
}

export const judgeS3TargetManifests = staticJudge(ID, judge);
