import { afterEach, describe, expect, it } from 'vitest';
import { bucketScenario, mapObjects, scenarioState, type BucketScenario } from '../../fixtures/doubles/bucket-scenario.ts';
import { judgeLiveAndCaptured } from '../../fixtures/doubles/roundtrip.ts';
import { backupFiles, backupObject } from '../../fixtures/doubles/velero-bucket.ts';
import { APP_NS, MANUAL_BACKUP, SCHEDULED_BACKUPS } from '../../fixtures/snapshots/homelab/constants.ts';
import { PAPERLESS_POD } from '../../fixtures/snapshots/homelab/paperless.ts';
import { healthyAppObjects, healthyVeleroObjects } from '../../fixtures/snapshots/model.ts';
import { unreadableBucketState } from '../bucket/access-error.ts';
import { defaultPlan } from '../plan.ts';
import { bucketScope, judgeDataInBucket } from './dod-data-in-bucket.ts';

const NEWEST_SCHEDULED = SCHEDULED_BACKUPS[1];

let scenario: BucketScenario | undefined;
afterEach(async () => {
  await scenario?.stop();
  scenario = undefined;
});

async function judged(options: Parameters<typeof bucketScenario>[0] = {}) {
  scenario = await bucketScenario(options);
  return judgeLiveAndCaptured(judgeDataInBucket, scenario.context());
}

const onlyManual = <T extends { name: string }>(change: (fixture: T) => T) => (fixture: T) => (fixture.name === MANUAL_BACKUP ? change(fixture) : fixture);

describe('dod.data-in-bucket', () => {
  it('passes for the healthy homelab bucket, through a capture round-trip too', async () => {
    const finding = await judged();
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe(`Backup data for ${MANUAL_BACKUP} and ${NEWEST_SCHEDULED} is in the bucket: files, Completed metadata, resources and Kopia repositories`);
    expect(finding.evidence).toContain(`backups/${MANUAL_BACKUP}/velero-backup.json: status.phase = Completed`);
    expect(finding.evidence).toContain(`${MANUAL_BACKUP}-podvolumebackups.json.gz: 6 PodVolumeBackup(s) (6 Completed), the cluster has 6`);
    expect(finding.evidence).toContain('kopia/paperless/: kopia.repository, kopia.blobcfg, packs p=3 q=2 x=2');
    expect(finding.warnings).toBeUndefined();
  });

  it('scopes the collection: the manual and the newest scheduled backup, namespaces of repositories and PVBs', async () => {
    const plan = defaultPlan();
    const state = scenarioState([...healthyVeleroObjects(), ...healthyAppObjects()], plan);
    expect(bucketScope(state, plan)).toEqual({ backupNames: [MANUAL_BACKUP, NEWEST_SCHEDULED], volumeNamespaces: ['paperless', 'velero'] });
    expect(bucketScope(state, plan, 'gone-from-cluster').backupNames).toEqual(['gone-from-cluster', NEWEST_SCHEDULED]);
  });

  it('skips without a bucket read, naming how to get one', () => {
    const plan = defaultPlan();
    const state = scenarioState([...healthyVeleroObjects(), ...healthyAppObjects()], plan);
    const snapshot = judgeDataInBucket({ state, plan, target: 'snapshot', now: new Date() });
    expect(snapshot).toMatchObject({ status: 'skip' });
    expect(snapshot.summary).toMatch(/snapshot holds no bucket capture; capture one with `node scripts\/capture\.mjs --out <dir>`/);
    const cluster = judgeDataInBucket({ state, plan, target: 'cluster', now: new Date() });
    expect(cluster.summary).toMatch(/AWS_ACCESS_KEY_ID/);
    state.bucket = unreadableBucketState({ endpoint: 'http://127.0.0.1:1', bucket: 'b' }, 'Cannot reach the S3 endpoint (ECONNREFUSED).');
    expect(judgeDataInBucket({ state, plan, target: 'cluster', now: new Date() }).summary).toBe('Bucket not readable: Cannot reach the S3 endpoint (ECONNREFUSED).');
  });

  it('fails on a missing and on an empty required file; missing logs only warn', async () => {
    const finding = await judged({
      backup: onlyManual((fixture) => ({ ...fixture, omit: [`${MANUAL_BACKUP}-resource-list.json.gz`, `${MANUAL_BACKUP}-logs.gz`], empty: [`${MANUAL_BACKUP}-results.gz`] })),
    });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe(`Backup data in the bucket is incomplete: backups/${MANUAL_BACKUP}/ lacks ${MANUAL_BACKUP}-resource-list.json.gz (docs/velero-facts.md §1: PutBackup writes them for every backup). (+1 more)`);
    expect(finding.evidence).toContain(`Problem: backups/${MANUAL_BACKUP}/ has empty (0-byte) ${MANUAL_BACKUP}-results.gz.`);
    expect(finding.warnings?.some((warning) => warning.includes(`${MANUAL_BACKUP}-logs.gz is missing`))).toBe(true);
  });

  it('passes with a warning when only the logs are missing', async () => {
    const finding = await judged({ backup: onlyManual((fixture) => ({ ...fixture, omit: [`${MANUAL_BACKUP}-logs.gz`] })) });
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.[0]).toMatch(/logs\.gz is missing \(best-effort upload\)/);
  });

  it('fails when the backup folder is empty', async () => {
    const finding = await judged({ backup: onlyManual((fixture) => ({ ...fixture, omit: ['velero-backup.json', `${MANUAL_BACKUP}.tar.gz`, `${MANUAL_BACKUP}-logs.gz`, `${MANUAL_BACKUP}-podvolumebackups.json.gz`, `${MANUAL_BACKUP}-volumesnapshots.json.gz`, `${MANUAL_BACKUP}-itemoperations.json.gz`, `${MANUAL_BACKUP}-resource-list.json.gz`, `${MANUAL_BACKUP}-results.gz`, `${MANUAL_BACKUP}-volumeinfo.json.gz`] })) });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/backups\/verification-test\/ holds no files: the manual backup verification-test was never uploaded, or its files were deleted/);
  });

  it('fails when velero-backup.json still has the first write\'s phase', async () => {
    const finding = await judged({ backup: onlyManual((fixture) => ({ ...fixture, phase: 'Finalizing' })) });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/velero-backup\.json says phase Finalizing, not Completed — only the first write happened/);
    expect(finding.warnings).toContain(`Backup ${MANUAL_BACKUP} is Completed in the cluster but Finalizing in the bucket.`);
  });

  it('fails when the tarball lacks the resources of the backup\'s namespaces', async () => {
    const finding = await judged({
      backup: onlyManual((fixture) => ({ ...fixture, items: [{ groupResource: 'namespaces', apiVersion: 'v1', kind: 'Namespace', name: 'velero' }] })),
    });
    expect(finding.status).toBe('fail');
    const problems = finding.evidence.filter((line) => line.startsWith('Problem:'));
    expect(problems).toContain(`Problem: backups/${MANUAL_BACKUP}/${MANUAL_BACKUP}.tar.gz holds no resources of namespace paperless.`);
    expect(problems).toContain(`Problem: backups/${MANUAL_BACKUP}/${MANUAL_BACKUP}.tar.gz lacks resources/pods/namespaces/${APP_NS}/${PAPERLESS_POD}.json, the pod whose volume data was backed up.`);
  });

  it('fails when the tarball disagrees with the resource list', async () => {
    scenario = await bucketScenario();
    const bucket = scenario.state.bucket!;
    bucket.backups[0].resourceList = { ...bucket.backups[0].resourceList, 'v1/Secret': ['photos/s3-keys'] };
    const finding = judgeLiveAndCaptured(judgeDataInBucket, scenario.context());
    expect(finding.summary).toMatch(/resource-list\.json\.gz lists items of namespace\(s\) photos that the tarball does not hold/);
  });

  it('fails when the tarball is not a tarball', async () => {
    const finding = await judged({ backup: onlyManual((fixture) => ({ ...fixture, tarball: Buffer.from('PK\u0003\u0004 a zip file') })) });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/verification-test\.tar\.gz could not be read: Malformed: .* is not a gzip'd tar archive/);
  });

  it('fails when the bucket\'s PVB list disagrees with the cluster', async () => {
    const finding = await judged({ backup: onlyManual((fixture) => ({ ...fixture, podVolumeBackups: fixture.podVolumeBackups!.slice(1) })) });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/verification-test-podvolumebackups\.json\.gz lists 5 PodVolumeBackup\(s\), the cluster has 6 labelled velero\.io\/backup-name=verification-test/);
  });

  it('fails when a PVB in the bucket did not complete', async () => {
    const finding = await judged({
      backup: onlyManual((fixture) => {
        const pvbs = structuredClone(fixture.podVolumeBackups!);
        pvbs[4].status.phase = 'Failed';
        return { ...fixture, podVolumeBackups: pvbs };
      }),
    });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/\(paperless\/paperless-ngx-.* volume data\) is Failed in the bucket: its data is not in the repository/);
  });

  it('only warns about the PVB count when the cluster\'s PVBs could not be read', async () => {
    scenario = await bucketScenario();
    scenario.state.objects.podVolumeBackups = [];
    scenario.state.readGaps.push({ resource: 'podvolumebackups.velero.io', verb: 'list', namespace: 'velero', reason: 'forbidden' });
    const finding = judgeLiveAndCaptured(judgeDataInBucket, scenario.context());
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.some((warning) => /PodVolumeBackups could not be read from the cluster/.test(warning))).toBe(true);
  });

  it('fails when a Kopia repository has no kopia.repository, with the recovery steps', async () => {
    const finding = await judged({ kopia: (fixture) => (fixture.namespace === APP_NS ? { ...fixture, withRepository: false } : fixture) });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/kopia\/paperless\/kopia\.repository is missing: the repository cannot be opened/);
    expect(finding.remediation).toMatch(/delete the BackupRepository CR of that namespace/);
  });

  it('fails when a Kopia repository holds no packs', async () => {
    const finding = await judged({ kopia: (fixture) => (fixture.namespace === 'velero' ? { ...fixture, packs: 0, metadataPacks: 0 } : fixture) });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/kopia\/velero\/ holds no pack blobs/);
  });

  it('judges a --backup that only the bucket still holds', async () => {
    const old = { name: 'pre-upgrade', includedNamespaces: [APP_NS], podVolumes: [{ podNamespace: APP_NS, podName: PAPERLESS_POD, volume: 'data' }] };
    const files = await backupFiles('', old);
    const finding = await judged({ backupName: 'pre-upgrade', configure: (fake) => fake.withObjects(files) });
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toContain('pre-upgrade-podvolumebackups.json.gz: 1 PodVolumeBackup(s) (1 Completed) (the cluster state does not hold this Backup: count not compared)');
    expect(backupObject(old).metadata.name).toBe('pre-upgrade');
  });

  it('fails when a backup in scope was not read from the bucket', async () => {
    scenario = await bucketScenario();
    const state = { ...scenario.state, bucket: { ...scenario.state.bucket!, backups: scenario.state.bucket!.backups.slice(1) } };
    const finding = judgeDataInBucket({ ...scenario.context(), state });
    expect(finding.summary).toMatch(/The manual backup verification-test was not read from the bucket/);
  });

  it('warns about top-level directories Velero does not own', async () => {
    const finding = await judged({ configure: (fake) => fake.withObject('photos/2024/img.jpg', 'x') });
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.[0]).toMatch(/directories Velero does not own \(photos\): the BSL turns Unavailable/);
  });

  it('fails when there is no backup to verify', async () => {
    scenario = await bucketScenario({ cluster: (objects) => mapObjects(objects, (o) => o.kind === 'Backup' || o.kind === 'PodVolumeBackup', () => undefined) });
    const finding = judgeDataInBucket(scenario.context());
    expect(finding.status).toBe('fail');
    expect(finding.remediation).toMatch(/velero backup create verification-test --wait/);
  });
});
