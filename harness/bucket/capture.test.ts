import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { bucketScenario, type BucketScenario } from '../../fixtures/doubles/bucket-scenario.ts';
import { MANUAL_BACKUP } from '../../fixtures/snapshots/homelab/constants.ts';
import { FAKE_CREDENTIALS_FILE } from '../../fixtures/snapshots/homelab/secrets.ts';
import { healthyAppObjects, healthyVeleroObjects } from '../../fixtures/snapshots/model.ts';
import { AuditInputError } from '../errors.ts';
import { defaultPlan } from '../plan.ts';
import { collectSnapshot } from '../targets/snapshot.ts';
import { readBucketCapture, writeBucketCapture } from './capture.ts';
import { unreadableBucketState } from './access-error.ts';

let scenario: BucketScenario | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await scenario?.stop();
  scenario = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'velero-verify-bucket-'));
  dirs.push(dir);
  return dir;
}

function listFiles(dir: string, base = ''): string[] {
  return readdirSync(join(dir, base), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(dir, join(base, entry.name)) : [join(base, entry.name)],
  );
}

describe('bucket capture', () => {
  it('round-trips a full bucket read exactly, as small JSON files without tarballs or credentials', async () => {
    scenario = await bucketScenario({
      configure: (fake) =>
        fake
          .withLifecycle([{ ID: 'expire', Status: 'Enabled', Filter: { Prefix: 'backups/' }, Expiration: { Days: 20, Date: undefined } }])
          .withVersioning('Enabled')
          .withPolicy({ Version: '2012-10-17', Statement: [] })
          .withFault({ operation: 'GetObjectLockConfiguration', fault: 'AccessDenied' }),
    });
    const state = scenario.state.bucket!;
    const dir = tempDir();
    writeBucketCapture(dir, state);
    expect(readBucketCapture(dir)).toEqual(state);
    const files = listFiles(dir).sort();
    expect(files).toEqual(
      [
        'anonymous.json',
        'bucket.json',
        'kopia.json',
        'settings.json',
        ...[MANUAL_BACKUP, 'velero-daily-20260615030000'].flatMap((name) =>
          ['listing.json', 'podvolumebackups.json', 'resource-list.json', 'tarball.json', 'velero-backup.json'].map((file) => join('backups', name, file)),
        ),
      ].sort(),
    );
    const all = files.map((file) => readFileSync(join(dir, file), 'utf8')).join('\n');
    expect(all).not.toContain('fake-fixture-secret-key-not-real');
    expect(all).not.toContain(FAKE_CREDENTIALS_FILE.split('\n')[1]);
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')).objectLock.error.code).toBe('AccessDenied');
  });

  it('round-trips an unreadable bucket', () => {
    const dir = tempDir();
    const state = unreadableBucketState({ endpoint: 'http://10.10.10.209:9000', bucket: 'homelab-backup-velero', prefix: '', region: 'minio', now: new Date('2026-06-15T10:30:00Z') }, 'Cannot reach the S3 endpoint (ETIMEDOUT).');
    writeBucketCapture(dir, state);
    expect(readBucketCapture(dir)).toEqual(state);
  });

  it('recomputes derived fields from the documents, so a hand-edited capture stays consistent', async () => {
    scenario = await bucketScenario();
    const dir = tempDir();
    writeBucketCapture(dir, scenario.state.bucket!);
    const path = join(dir, 'backups', MANUAL_BACKUP, 'velero-backup.json');
    const backup = JSON.parse(readFileSync(path, 'utf8'));
    backup.status.phase = 'PartiallyFailed';
    writeFileSync(path, JSON.stringify(backup));
    const listingPath = join(dir, 'backups', MANUAL_BACKUP, 'listing.json');
    const listing = JSON.parse(readFileSync(listingPath, 'utf8'));
    listing.files = listing.files.filter((file: { key: string }) => !file.key.endsWith('-results.gz'));
    writeFileSync(listingPath, JSON.stringify(listing));
    const read = readBucketCapture(dir)!;
    expect(read.backups[0].metadata?.phase).toBe('PartiallyFailed');
    expect(read.backups[0].missingRequired).toEqual([`${MANUAL_BACKUP}-results.gz`]);
  });

  it('returns undefined without a capture and names the file of a malformed one', () => {
    const dir = tempDir();
    expect(readBucketCapture(join(dir, 'nothing-here'))).toBeUndefined();
    writeFileSync(join(dir, 'bucket.json'), '{ "version": 1, "endpoint": ');
    expect(() => readBucketCapture(dir)).toThrow(AuditInputError);
    expect(() => readBucketCapture(dir)).toThrow(new RegExp(`${join(dir, 'bucket.json').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid JSON`));
    writeFileSync(join(dir, 'bucket.json'), JSON.stringify({ version: 1, endpoint: 'x', bucket: 'b', prefix: '', collectedAt: 'now', requestCount: 'many', notes: [], backups: ['b1'] }));
    expect(() => readBucketCapture(dir)).toThrow(/bucket\.json does not hold the bucket identity .*"requestCount": /);
    writeFileSync(join(dir, 'bucket.json'), JSON.stringify({ version: 1, endpoint: 'x', bucket: 'b', prefix: '', collectedAt: 'now', requestCount: 1, notes: [], backups: ['../../etc'] }));
    expect(() => readBucketCapture(dir)).toThrow(/Backup name "\.\.\/\.\.\/etc" is not a Kubernetes object name/);
  });

  it('is what the snapshot target reads from <snapshot>/bucket', async () => {
    scenario = await bucketScenario();
    const snapshot = tempDir();
    writeFileSync(join(snapshot, 'velero.yaml'), toYaml({ apiVersion: 'v1', kind: 'List', items: [...healthyVeleroObjects(), ...healthyAppObjects()] }));
    writeBucketCapture(join(snapshot, 'bucket'), scenario.state.bucket!);
    const state = await collectSnapshot(snapshot, defaultPlan());
    expect(state.bucket).toEqual(scenario.state.bucket);
    expect(state.objects.backups).toHaveLength(3);
  });
});
