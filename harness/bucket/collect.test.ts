import { afterEach, describe, expect, it } from 'vitest';
import { FakeS3 } from '../../fixtures/doubles/fake-s3.ts';
import type { StartedFakeS3 } from '../../fixtures/doubles/fake-s3/types.ts';
import { backupFiles, kopiaKeys, type BackupFixture } from '../../fixtures/doubles/velero-bucket.ts';
import { AuditInputError } from '../errors.ts';
import { createS3Client } from './client.ts';
import { BucketAccessError } from './access-error.ts';
import { collectBucket, type CollectBucketOptions } from './collect.ts';
import { listBackupFiles } from './list-files.ts';

const BUCKET = 'homelab-backup-velero';
const CREDENTIALS = { accessKeyId: 'velero-access', secretAccessKey: 'velero-secret-do-not-print' };

const MANUAL: BackupFixture = {
  name: 'verification-test',
  includedNamespaces: ['canary'],
  podVolumes: [
    { podNamespace: 'canary', podName: 'writer-0', volume: 'data' },
    { podNamespace: 'canary', podName: 'writer-1', volume: 'data' },
  ],
};
const SCHEDULED: BackupFixture = {
  name: 'velero-daily-20250301030000',
  scheduleName: 'velero-daily',
  podVolumes: [
    { podNamespace: 'canary', podName: 'writer-0', volume: 'data' },
    { podNamespace: 'media', podName: 'jellyfin-0', volume: 'config' },
  ],
};

let running: StartedFakeS3 | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function healthyFake(configure: (fake: FakeS3) => FakeS3 = (fake) => fake, prefix = ''): Promise<StartedFakeS3> {
  const fake = new FakeS3().withBucket(BUCKET).withCredentials(CREDENTIALS.accessKeyId, CREDENTIALS.secretAccessKey);
  fake.withObjects(await backupFiles(prefix, MANUAL));
  fake.withObjects(await backupFiles(prefix, SCHEDULED));
  fake.withObjects(kopiaKeys(prefix, { namespace: 'canary' }));
  fake.withObjects(kopiaKeys(prefix, { namespace: 'media' }));
  running = await configure(fake).start();
  return running;
}

function options(s3: StartedFakeS3, extra: Partial<CollectBucketOptions> = {}): CollectBucketOptions {
  return {
    endpoint: s3.endpoint,
    bucket: BUCKET,
    prefix: '',
    region: 'minio',
    forcePathStyle: true,
    credentials: CREDENTIALS,
    backupNames: [MANUAL.name, SCHEDULED.name],
    volumeNamespaces: ['canary'],
    deadlineMs: 10_000,
    ...extra,
  };
}

describe('collectBucket on a healthy Velero bucket', () => {
  it('reads files, metadata, PVB lists, tarball entries, Kopia repositories, settings and anonymous probes', async () => {
    const s3 = await healthyFake();
    const state = await collectBucket(options(s3));

    expect(state.unreadable).toBeUndefined();
    expect(state.topLevel).toEqual({ directories: ['backups', 'kopia'], unexpected: [], objects: 0 });

    const manual = state.backups[0];
    expect(manual.folder).toBe('backups/verification-test/');
    expect(manual.files).toHaveLength(9);
    expect(manual.missingRequired).toEqual([]);
    expect(manual.emptyRequired).toEqual([]);
    expect(manual.logsPresent).toBe(true);
    expect(manual.metadata).toMatchObject({ phase: 'Completed', includedNamespaces: ['canary'], ttl: '336h0m0s', errors: 0, warnings: 0 });
    expect(manual.podVolumeBackups?.map((pvb) => `${pvb.podNamespace}/${pvb.podName}:${pvb.volume}:${pvb.phase}`)).toEqual([
      'canary/writer-0:data:Completed',
      'canary/writer-1:data:Completed',
    ]);
    expect(manual.resourceList?.['v1/Pod']).toEqual(['canary/writer-0', 'canary/writer-1']);
    expect(manual.tarball).toMatchObject({ formatVersion: '1.1.0', namespaces: { canary: 3 }, clusterEntries: 1, scopeNamespaces: ['canary'] });
    expect(manual.tarball?.entries).toEqual([
      'resources/configmaps/namespaces/canary/kube-root-ca.crt.json',
      'resources/pods/namespaces/canary/writer-0.json',
      'resources/pods/namespaces/canary/writer-1.json',
    ]);
    expect(manual.tarball?.entryCount).toBe(9); // version + 4 items × 2 paths

    const scheduled = state.backups[1];
    expect(scheduled.tarball?.scopeNamespaces).toEqual(['canary', 'media']);

    // media comes from the scheduled backup's PVBs, canary from volumeNamespaces
    expect(state.kopia.namespacesInBucket).toEqual(['canary', 'media']);
    expect(state.kopia.repositories.map((repo) => repo.namespace)).toEqual(['canary', 'media']);
    expect(state.kopia.repositories[0]).toMatchObject({
      prefix: 'kopia/canary/',
      hasRepository: true,
      hasBlobcfg: true,
      packs: { p: { count: 3, more: false }, q: { count: 2, more: false }, x: { count: 2, more: false } },
    });
    expect(state.kopia.repositories[0].metaBlobs.map((blob) => blob.key)).toEqual(['kopia/canary/kopia.blobcfg', 'kopia/canary/kopia.maintenance', 'kopia/canary/kopia.repository']);
    expect(state.kopia.repositories[0].repositoryExpiration).toBeUndefined();

    expect(state.lifecycle).toEqual({ configured: false, rules: [] });
    expect(state.versioning).toEqual({});
    expect(state.objectLock).toEqual({ configured: false });
    expect(state.policy).toEqual({ present: false });

    expect(state.anonymous.map((probe) => [probe.name, probe.status, probe.code])).toEqual([
      ['list-root', 403, 'AccessDenied'],
      ['list-backups', 403, 'AccessDenied'],
      ['list-kopia', 403, 'AccessDenied'],
      ['get-backup-metadata', 403, 'AccessDenied'],
      ['get-kopia-repository', 403, 'AccessDenied'],
    ]);
    expect(state.anonymous[3].path).toBe(`/${BUCKET}/backups/verification-test/velero-backup.json`);
    expect(state.notes).toEqual([]);
    expect(JSON.stringify(state)).not.toContain(CREDENTIALS.secretAccessKey);
  });

  it('makes a number of requests that depends on backups and namespaces, not on bucket size', async () => {
    const s3 = await healthyFake();
    const state = await collectBucket(options(s3));
    // 1 top level + 4 settings + per backup (1 list + 3 JSON + 1 tarball) × 2 + 1 kopia list + per namespace (1 + 3 + 1 head) × 2
    expect(state.requestCount).toBe(1 + 4 + 5 * 2 + 1 + 5 * 2);
    const signed = s3.requests.filter((request) => !request.anonymous);
    expect(signed).toHaveLength(state.requestCount);
    // never a listing of the whole bucket without a prefix other than the delimiter listing of the root
    const rootListings = signed.filter((request) => request.operation === 'ListObjectsV2' && !/[?&]prefix=/.test(request.url));
    expect(rootListings.every((request) => request.url.includes('delimiter=%2F'))).toBe(true);
  });

  it('handles 100,000 objects under kopia/ with a handful of requests', async () => {
    const s3 = await healthyFake((fake) => fake.withObjects(Array.from({ length: 100_000 }, (_, i) => `kopia/canary/p${i.toString(16).padStart(32, '0')}`)));
    s3.resetCounters();
    const state = await collectBucket(options(s3, { backupNames: [], volumeNamespaces: ['canary'] }));
    const repo = state.kopia.repositories[0];
    expect(repo.hasRepository).toBe(true);
    expect(repo.packs.p).toEqual({ count: 100, more: true });
    expect(state.requestCount).toBe(1 + 4 + 1 + 5);
    // signed: top level, kopia/ namespaces, kopia.*, p, q, x; anonymous: root, backups/, kopia/
    expect(s3.requests.filter((r) => r.operation === 'ListObjectsV2' && !r.anonymous)).toHaveLength(6);
    expect(s3.counts().ListObjectsV2).toBe(6 + 3);
  });

  it('works under a BSL prefix', async () => {
    const s3 = await healthyFake((fake) => fake.withObject('other-app/data.bin', 'x'), 'velero');
    const state = await collectBucket(options(s3, { prefix: 'velero' }));
    expect(state.topLevel?.directories).toEqual(['backups', 'kopia']);
    expect(state.backups[0].folder).toBe('velero/backups/verification-test/');
    expect(state.backups[0].missingRequired).toEqual([]);
    expect(state.kopia.repositories[0].prefix).toBe('velero/kopia/canary/');
    expect(state.anonymous.find((probe) => probe.name === 'list-kopia')?.path).toBe(`/${BUCKET}?list-type=2&prefix=velero%2Fkopia%2F`);
  });

  it('flags top-level directories Velero does not own', async () => {
    const s3 = await healthyFake((fake) => fake.withObject('photos/2024/a.jpg', 'x').withObject('readme.txt', 'r'));
    const state = await collectBucket(options(s3));
    expect(state.topLevel).toEqual({ directories: ['backups', 'kopia', 'photos'], unexpected: ['photos'], objects: 1 });
  });
});

describe('collectBucket records problems per probe', () => {
  it('a backup with a missing and an empty file, and without logs', async () => {
    const broken: BackupFixture = { ...MANUAL, omit: [`${MANUAL.name}-results.gz`, `${MANUAL.name}-logs.gz`], empty: [`${MANUAL.name}-volumeinfo.json.gz`] };
    running = await new FakeS3().withBucket(BUCKET).withObjects(await backupFiles('', broken)).withObjects(kopiaKeys('', { namespace: 'canary' })).start();
    const state = await collectBucket(options(running, { backupNames: [MANUAL.name] }));
    expect(state.backups[0].missingRequired).toEqual([`${MANUAL.name}-results.gz`]);
    expect(state.backups[0].emptyRequired).toEqual([`${MANUAL.name}-volumeinfo.json.gz`]);
    expect(state.backups[0].logsPresent).toBe(false);
    expect(state.notes[0]).toMatch(/verification-test-logs\.gz is missing \(best-effort file/);
  });

  it('a backup that is not in the bucket at all', async () => {
    running = await new FakeS3().withBucket(BUCKET).start();
    const state = await collectBucket(options(running, { backupNames: ['ghost'], volumeNamespaces: [] }));
    expect(state.backups[0]).toMatchObject({ name: 'ghost', files: [], missingRequired: expect.arrayContaining(['velero-backup.json', 'ghost.tar.gz']) });
    expect(state.backups[0].backupJson).toBeUndefined();
    expect(state.anonymous.map((probe) => probe.name)).toEqual(['list-root', 'list-backups', 'list-kopia']);
  });

  it('a tarball that is not a gzip\'d tar archive', async () => {
    running = await new FakeS3().withBucket(BUCKET).withObjects(await backupFiles('', { ...MANUAL, tarball: Buffer.from('not a tarball') })).start();
    const state = await collectBucket(options(running, { backupNames: [MANUAL.name] }));
    expect(state.backups[0].tarball).toBeUndefined();
    expect(state.backups[0].tarballError).toMatchObject({ code: 'Malformed' });
    expect(state.backups[0].tarballError?.message).toMatch(/verification-test\.tar\.gz is not a gzip'd tar archive/);
  });

  it('a Kopia prefix without kopia.repository', async () => {
    running = await new FakeS3().withBucket(BUCKET).withObjects(kopiaKeys('', { namespace: 'canary', withRepository: false })).start();
    const state = await collectBucket(options(running, { backupNames: [] }));
    expect(state.kopia.repositories[0]).toMatchObject({ hasRepository: false, hasBlobcfg: true });
    expect(state.kopia.repositories[0].repositoryHeadError).toBeUndefined();
  });

  it('reads lifecycle, versioning, object lock, policy and the x-amz-expiration of kopia.repository', async () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${BUCKET}`], Condition: { StringEquals: { 's3:prefix': ['backups/'] } } }] };
    const s3 = await healthyFake((fake) =>
      fake
        .withLifecycle([{ ID: 'expire-all', Status: 'Enabled', Filter: {}, Expiration: { Days: 14 } }])
        .withVersioning('Suspended')
        .withObjectLock({ mode: 'COMPLIANCE', years: 1 })
        .withPolicy(policy),
    );
    const state = await collectBucket(options(s3));
    expect(state.lifecycle).toEqual({ configured: true, rules: [{ ID: 'expire-all', Status: 'Enabled', Filter: {}, Expiration: { Days: 14 } }] });
    expect(state.versioning).toEqual({ status: 'Suspended' });
    expect(state.objectLock).toEqual({ configured: true, enabled: true, mode: 'COMPLIANCE', years: 1 });
    expect(state.policy).toEqual({ present: true, document: policy });
    expect(state.kopia.repositories[0].repositoryExpiration).toMatch(/^expiry-date=".*", rule-id="expire-all"$/);
    // anonymous list allowed on one prefix only
    expect(Object.fromEntries(state.anonymous.map((probe) => [probe.name, probe.status]))).toEqual({
      'list-root': 403,
      'list-backups': 200,
      'list-kopia': 403,
      'get-backup-metadata': 403,
      'get-kopia-repository': 403,
    });
  });

  it('records a setting it may not read instead of failing', async () => {
    const s3 = await healthyFake((fake) => fake.withFault({ operation: 'GetBucketPolicy', fault: 'AccessDenied' }));
    const state = await collectBucket(options(s3));
    expect(state.policy).toEqual({ present: false, error: expect.objectContaining({ code: 'AccessDenied', httpStatus: 403 }) });
    expect(state.backups[0].missingRequired).toEqual([]);
  });

  it('retries 503 SlowDown and a connection reset, then succeeds', async () => {
    const s3 = await healthyFake((fake) =>
      fake.withFault({ operation: 'ListObjectsV2', keyPrefix: 'backups/verification-test/', times: 2, fault: 'SlowDown' }).withFault({ operation: 'GetObject', keyPrefix: 'backups/verification-test/verification-test.tar.gz', times: 1, fault: 'reset' }),
    );
    const state = await collectBucket(options(s3));
    expect(state.backups[0].listError).toBeUndefined();
    expect(state.backups[0].files).toHaveLength(9);
    expect(state.backups[0].tarball?.entries).toHaveLength(3);
    expect(state.requestCount).toBe(1 + 4 + 5 * 2 + 1 + 5 * 2 + 3);
  });

  it('records a slow tarball beyond the deadline as a timeout, and the reads after it as not attempted', async () => {
    // The deadline is generous for the reads before the tarball on a busy machine; the tarball never comes in time.
    const s3 = await healthyFake((fake) => fake.withFault({ operation: 'GetObject', keyPrefix: 'backups/verification-test/verification-test.tar.gz', fault: { delayMs: 60_000 } }));
    const started = Date.now();
    const state = await collectBucket(options(s3, { deadlineMs: 4_000 }));
    // The deadline ended the read, not the server's 60 s delay.
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(state.backups[0].tarballError).toEqual({ code: 'Timeout', message: 'no answer within the 4 s deadline' });
    expect(state.backups[1].listError).toMatchObject({ code: 'Deadline', message: 'not attempted: the 4 s deadline for reading the bucket ran out' });
    expect(state.notes).toContain('The 4 s deadline ran out: some reads were not attempted (see the errors recorded with them).');
  });
});

describe('collectBucket refuses clearly when the bucket cannot be read', () => {
  async function failure(run: Promise<unknown>): Promise<BucketAccessError> {
    const error = await run.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(BucketAccessError);
    expect(error).toBeInstanceOf(AuditInputError);
    expect((error as Error).message).not.toContain(CREDENTIALS.secretAccessKey);
    return error as BucketAccessError;
  }

  it('unknown access key', async () => {
    running = await new FakeS3().withBucket(BUCKET).withCredentials('someone-else', 'x').start();
    const error = await failure(collectBucket(options(running)));
    expect(error.message).toMatch(/does not know the access key id \(InvalidAccessKeyId\)/);
  });

  it('wrong secret', async () => {
    running = await new FakeS3().withBucket(BUCKET).withCredentials(CREDENTIALS.accessKeyId, 'another-secret').start();
    const error = await failure(collectBucket(options(running)));
    expect(error.message).toMatch(/rejected the secret access key \(SignatureDoesNotMatch\)/);
  });

  it('missing bucket', async () => {
    running = await new FakeS3().withBucket('something-else').start();
    expect((await failure(collectBucket(options(running)))).message).toMatch(/the bucket does not exist \(NoSuchBucket\)/);
  });

  it('unreachable endpoint', async () => {
    const stopped = await new FakeS3().withBucket(BUCKET).start();
    await stopped.stop();
    const error = await failure(collectBucket({ ...options(stopped), deadlineMs: 3_000 }));
    expect(error.message).toMatch(/Cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED/);
  });

  it('an endpoint slower than the deadline', async () => {
    running = await new FakeS3().withBucket(BUCKET).withFault({ fault: { delayMs: 20_000 } }).start();
    const started = Date.now();
    const error = await failure(collectBucket(options(running, { deadlineMs: 800 })));
    // Far below the server's 20 s delay: the deadline ended the read, with room for a busy machine.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.message).toMatch(/: no answer within the 800 ms deadline\. The endpoint is unreachable or too slow from here/);
  });
});

describe('listBackupFiles', () => {
  it('lists a backup folder and returns [] once the files are gone', async () => {
    const s3 = await healthyFake();
    const handle = { client: createS3Client({ endpoint: s3.endpoint, region: 'minio', forcePathStyle: true, credentials: CREDENTIALS }), bucket: BUCKET };
    const before = await listBackupFiles(handle, '', MANUAL.name);
    expect(before.map((file) => file.key.split('/').pop())).toContain('velero-backup.json');
    for (const key of s3.listKeys(`backups/${MANUAL.name}/`)) s3.deleteObject(key);
    expect(await listBackupFiles(handle, '', MANUAL.name)).toEqual([]);
    expect(await listBackupFiles(handle, '', SCHEDULED.name)).toHaveLength(9);
    s3.addFault({ operation: 'ListObjectsV2', fault: 'AccessDenied' });
    await expect(listBackupFiles(handle, '', MANUAL.name)).rejects.toThrow(/AccessDenied|Access Denied/);
  });
});

describe('collectBucket start probe', () => {
  it('does not wait out a long deadline when the endpoint never answers the first request', async () => {
    running = await new FakeS3().withBucket(BUCKET).withFault({ fault: { delayMs: 20_000 } }).start();
    const started = Date.now();
    const error = await collectBucket(options(running, { deadlineMs: 60_000, requestTimeoutMs: 500 })).then(
      () => undefined,
      (thrown: Error) => thrown,
    );
    // Neither the 60 s deadline nor the server's 20 s delay: the first unanswered request ended it.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error?.message).toMatch(/: no answer within the 500 ms request timeout\. The endpoint is unreachable or too slow from here/);
    expect(running.counts().ListObjectsV2).toBe(1);
  });
});
