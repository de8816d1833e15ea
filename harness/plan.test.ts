import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditInputError } from './errors.ts';
import { defaultPlan, expects, loadPlan, parsePlan } from './plan.ts';

function dirWith(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vv-plan-'));
  writeFileSync(join(dir, name), content);
  return dir;
}

describe('BackupPlan defaults are the homelab plan (docs/architecture.md §4)', () => {
  const plan = defaultPlan();
  it.each([
    ['namespace', plan.namespace, 'velero'],
    ['bucket', plan.storage.bucket, 'homelab-backup-velero'],
    ['s3Url', plan.storage.s3Url, 'http://10.10.10.209:9000'],
    ['region', plan.storage.region, 'minio'],
    ['path style', plan.storage.s3ForcePathStyle, true],
    ['credentials Secret', plan.credentials.secretName, 'velero-s3-credentials'],
    ['credentials key', plan.credentials.key, 'cloud'],
    ['access key source', plan.credentials.sourceKeys.accessKeyId, 'minio_velero_access_key_id'],
    ['secret key source', plan.credentials.sourceKeys.secretAccessKey, 'minio_velero_secret_access_key'],
    ['cron', plan.schedule.cron, '0 3 * * *'],
    ['TTL', plan.schedule.ttl, '336h'],
    ['uploader', plan.uploaderType, 'kopia'],
    ['node agent', plan.deployNodeAgent, true],
    ['snapshots', plan.snapshotsEnabled, false],
    ['plugin', plan.velero.plugin, 'velero-plugin-for-aws'],
  ])('%s', (_name, actual, expected) => expect(actual).toEqual(expected));
});

/** The whole default plan, as parsing `{}` gave it before the nested defaults were written once (`.prefault({})`). */
const FULL_DEFAULT_PLAN = {
  namespace: 'velero',
  velero: {
    version: '1.18.1',
    image: 'docker.io/velero/velero:v1.18.1',
    chartVersion: '12.1.0',
    plugin: 'velero-plugin-for-aws',
    pluginImage: 'docker.io/velero/velero-plugin-for-aws:v1.14.4',
  },
  storage: {
    locationName: 'default',
    provider: 'aws',
    bucket: 'homelab-backup-velero',
    prefix: '',
    s3Url: 'http://10.10.10.209:9000',
    region: 'minio',
    s3ForcePathStyle: true,
  },
  credentials: {
    secretName: 'velero-s3-credentials',
    key: 'cloud',
    sourceKeys: { accessKeyId: 'minio_velero_access_key_id', secretAccessKey: 'minio_velero_secret_access_key' },
    k8sSecretsFile: 'secrets/k8s-secrets.enc.yaml',
    hostsSecretsFile: 'secrets/hosts-secrets.enc.yaml',
  },
  schedule: { name: 'velero-daily', cron: '0 3 * * *', ttl: '336h', scope: { includedNamespaces: ['*'], excludedNamespaces: [] } },
  uploaderType: 'kopia',
  deployNodeAgent: true,
  snapshotsEnabled: false,
  retention: { gcSlack: '48h' },
  freshness: { grace: '6h' },
  drill: {
    namespacePrefix: 'velero-verify',
    dataSizeBytes: 4194304,
    image: 'docker.io/library/busybox:1.37',
    storageClassName: null,
    repositoryMaintenanceFrequency: '24h',
    timeouts: { podReady: '3m', backup: '10m', restore: '10m', deletion: '5m' },
  },
  expect: true,
};

describe('default plan: every nested default is filled from the field defaults', () => {
  it('parsing {} (or nothing) gives the whole default plan, nested objects included', () => {
    expect(parsePlan({})).toStrictEqual(FULL_DEFAULT_PLAN);
    expect(parsePlan(undefined)).toStrictEqual(FULL_DEFAULT_PLAN);
  });

  it('an empty or partial nested object gets the remaining field defaults', () => {
    expect(parsePlan({ drill: { timeouts: {} } }).drill).toStrictEqual(FULL_DEFAULT_PLAN.drill);
    expect(parsePlan({ schedule: { scope: {} } }).schedule).toStrictEqual(FULL_DEFAULT_PLAN.schedule);
    expect(parsePlan({ credentials: { sourceKeys: { accessKeyId: 'x' } } }).credentials.sourceKeys).toStrictEqual({ accessKeyId: 'x', secretAccessKey: 'minio_velero_secret_access_key' });
    expect(parsePlan({ storage: { bucket: 'other' } }).storage).toStrictEqual({ ...FULL_DEFAULT_PLAN.storage, bucket: 'other' });
  });

  it('each parse gets its own nested objects (changing one plan cannot change the next default)', () => {
    const first = defaultPlan();
    first.schedule.scope.excludedNamespaces.push('kube-system');
    first.drill.timeouts.backup = '1m';
    expect(defaultPlan()).toStrictEqual(FULL_DEFAULT_PLAN);
  });
});

describe('parsePlan', () => {
  it('names the path of every bad field and what was expected', () => {
    const error = (() => {
      try {
        parsePlan({ schedule: { ttl: '14 days' }, storage: { s3Url: 'minio' } }, 'velero-verify.yaml');
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(AuditInputError);
    expect(error?.message).toContain('velero-verify.yaml');
    expect(error?.message).toContain('"schedule.ttl"');
    expect(error?.message).toContain('Go duration');
    expect(error?.message).toContain('"storage.s3Url"');
  });

  it('rejects unknown fields instead of ignoring a typo', () => {
    expect(() => parsePlan({ shedule: {} })).toThrow(/shedule/);
  });

  it('rejects a cron expression with the wrong number of fields', () => {
    expect(() => parsePlan({ schedule: { cron: '0 3 * *' } })).toThrow(/schedule.cron/);
    expect(parsePlan({ schedule: { cron: 'CRON_TZ=Europe/Berlin 0 3 * * *' } }).schedule.cron).toContain('CRON_TZ');
  });

  it('switches plan-specific expectations off one by one or all at once', () => {
    expect(expects(defaultPlan(), 'bucket')).toBe(true);
    expect(expects(parsePlan({ expect: { bucket: false } }), 'bucket')).toBe(false);
    expect(expects(parsePlan({ expect: { bucket: false } }), 'ttl')).toBe(true);
    expect(expects(parsePlan({ expect: false }), 'ttl')).toBe(false);
    expect(() => parsePlan({ expect: { buckets: false } })).toThrow(/buckets/);
  });
});

describe('loadPlan', () => {
  it('reads velero-verify.yaml from the working directory', () => {
    const dir = dirWith('velero-verify.yaml', 'storage:\n  bucket: other-bucket\n');
    const { plan, source } = loadPlan({ cwd: dir });
    expect(plan.storage.bucket).toBe('other-bucket');
    expect(plan.storage.region).toBe('minio');
    expect(source).toContain('velero-verify.yaml');
  });

  it('reads JSON, as a Nix user would generate it', () => {
    const dir = dirWith('velero-verify.json', JSON.stringify({ schedule: { ttl: '720h' } }));
    expect(loadPlan({ cwd: dir }).plan.schedule.ttl).toBe('720h');
  });

  it('falls back to the homelab defaults when there is no file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vv-plan-'));
    expect(loadPlan({ cwd: dir }).source).toBe('built-in homelab defaults');
  });

  it('fails clearly for a missing --config file and for unparsable content', () => {
    expect(() => loadPlan({ explicitPath: 'nope.yaml', cwd: tmpdir() })).toThrow(/nope.yaml.*does not exist/);
    const dir = dirWith('velero-verify.yaml', 'storage: [unclosed\n');
    expect(() => loadPlan({ cwd: dir })).toThrow(AuditInputError);
  });
});
