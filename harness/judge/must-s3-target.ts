/**
 * must.s3-target — plan: "S3 target configured for Pi MinIO" (`homelab-backup-velero` @
 * `http://10.10.10.209:9000`).
 *
 * Compares the plan's BackupStorageLocation field by field (docs/velero-facts.md §3 BSL spec, §5 chart:
 * config values are strings, `s3ForcePathStyle: "true"`; §6 AWS plugin config keys). Each
 * plan-specific value is compared only while its expectation is on (`bucket`, `prefix`, `s3Url`
 * — which also covers the provider —, `region`, `pathStyle`); the generic checks always hold:
 * the location exists, names a provider, is the default location, is writable, and has a region
 * when path-style addressing is on (the AWS plugin requires it, docs/velero-facts.md §6).
 */
import { expects } from '../plan.ts';
import type { KubeObject } from '../state.ts';
import { fail, pass, type Judge, details } from './types.ts';
import { failIfVeleroAbsent, goBool } from './facts/workloads.ts';
import { failNoPlanBsl, selectPlanBsl } from './facts/plan-objects.ts';
import { inNamespace } from './facts/object-access.ts';

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
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return url.trim().replace(/\/+$/, '').toLowerCase();
  }
}

function show(value: unknown): string {
  return value === undefined || value === null || value === '' ? '(unset)' : JSON.stringify(value);
}

function planFieldChecks(bsl: KubeObject, plan: Parameters<Judge>[0]['plan']): FieldCheck[] {
  const spec = bsl.spec ?? {};
  const config: Record<string, string> = spec.config ?? {};
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
    // The AWS plugin reads s3ForcePathStyle with strconv.ParseBool; the chart quotes it ("true").
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

/** Checks that hold for any install; skipped where the plan's stricter check of the same field runs. */
function genericChecks(bsl: KubeObject, defaults: KubeObject[], plan: Parameters<Judge>[0]['plan']): FieldCheck[] {
  const spec = bsl.spec ?? {};
  const config: Record<string, string> = spec.config ?? {};
  const otherDefault = defaults.find((candidate) => candidate !== bsl);
  const checks: FieldCheck[] = [];
  if (!expects(plan, 's3Url')) {
    checks.push({ field: 'spec.provider', expected: 'set', observed: show(spec.provider), ok: typeof spec.provider === 'string' && spec.provider !== '', fix: 'provider: aws' });
  }
  checks.push(
    {
      field: 'spec.default',
      expected: 'true (backups without --storage-location go to the default location)',
      observed: `${show(spec.default)}${otherDefault ? ` (default is "${otherDefault.metadata.name}")` : ''}`,
      ok: spec.default === true,
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

/** The plan line plus the values actually compared (expectations that are switched off are left out). */
function expectedLine(plan: Parameters<Judge>[0]['plan']): string {
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
  const selected = selectPlanBsl(state, plan);
  const bsl = selected.object;
  if (!bsl) return failNoPlanBsl(ID, plan, selected, `Add to the Helm values configuration.backupStorageLocation: [{name: ${plan.storage.locationName}, provider: ${plan.storage.provider}, bucket: ${plan.storage.bucket}, default: true, config: {region: ${plan.storage.region}, s3ForcePathStyle: "true", s3Url: "${plan.storage.s3Url}"}}].`, expected);
  const defaults = inNamespace(state.objects.backupStorageLocations, plan.namespace).filter((candidate) => candidate.spec?.default === true);
  const checks = [...genericChecks(bsl, defaults, plan), ...planFieldChecks(bsl, plan)];
  const evidence = [
    `BackupStorageLocation ${bsl.metadata.name} (${selected.how})`,
    ...checks.map((check) => `${check.ok ? 'ok' : 'MISMATCH'} ${check.field}: expected ${check.expected}, observed ${check.observed}`),
  ];
  const warnings = selected.note ? [selected.note] : [];
  const failed = checks.filter((check) => !check.ok);
  if (failed.length === 0) {
    return pass(ID, `BackupStorageLocation ${bsl.metadata.name} points at ${bsl.spec?.config?.s3Url ?? bsl.spec?.provider} bucket ${bsl.spec?.objectStorage?.bucket}`, evidence, details(expected, warnings));
  }
  return fail(
    ID,
    `BackupStorageLocation ${bsl.metadata.name} does not match the plan: ${failed.map((check) => `${check.field} is ${check.observed}, expected ${check.expected}`).join('; ')}`,
    evidence,
    `Set in the Helm values under configuration.backupStorageLocation[name=${bsl.metadata.name}]: ${failed.map((check) => check.fix).join('; ')}; re-deploy and check velero backup-location get. If the plan is what differs, change storage.* (or switch the expectation off with expect.<key>: false) in velero-verify.yaml.`,
    details(expected, warnings),
  );
};
