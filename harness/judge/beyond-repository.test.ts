import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { APP_NS } from '../../fixtures/snapshots/homelab/constants.ts';
import { before } from '../../fixtures/snapshots/homelab/metadata.ts';
import { base64 } from '../../fixtures/snapshots/homelab/secrets.ts';
import { judgeRepository, maintenanceWindowMs } from './beyond-repository.ts';

const REPO = `${APP_NS}-default-kopia`;
const HOUR = 3_600_000;

function judge(edit: (capture: Capture) => void) {
  const capture = Capture.healthy();
  edit(capture);
  return judgeRepository(contextOf(capture));
}

describe('beyond.repository', () => {
  it('passes Ready, recently maintained repositories', () => {
    const finding = judge(() => {});
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('2 Kopia repositories are Ready and maintained');
  });

  it('fails NotReady (with status.message) and New repositories', () => {
    const notReady = judge((c) => Object.assign(c.find('BackupRepository', REPO).status, { phase: 'NotReady', message: 'repo not initialised' }));
    expect(notReady.summary).toMatch(/BackupRepository paperless-default-kopia is NotReady: repo not initialised/);
    expect(judge((c) => (c.find('BackupRepository', REPO).status = { phase: 'New' })).summary).toMatch(/is New/);
  });

  it('maintenance window: 2 × maintenanceFrequency, at least 24h; unparsable → 7d fallback', () => {
    const repo = (frequency?: string) => ({ apiVersion: 'velero.io/v1', kind: 'BackupRepository', metadata: { name: 'r' }, spec: frequency === undefined ? {} : { maintenanceFrequency: frequency } });
    expect(maintenanceWindowMs(repo('1h0m0s')).windowMs).toBe(24 * HOUR);
    expect(maintenanceWindowMs(repo('36h')).windowMs).toBe(72 * HOUR);
    expect(maintenanceWindowMs(repo()).frequencyMs).toBe(HOUR);
    expect(maintenanceWindowMs(repo('weekly')).windowMs).toBe(14 * 24 * HOUR);
    expect(judge((c) => (c.find('BackupRepository', REPO).status.lastMaintenanceTime = before(20 * 3600))).status).toBe('pass');
    expect(judge((c) => (c.find('BackupRepository', REPO).status.lastMaintenanceTime = before(25 * 3600))).summary).toMatch(/last maintained 25h ago \(limit 1d \(24h\)\)/);
  });

  it('never maintained: fine right after creation, a failure later', () => {
    const never = (createdAgo: number) => (c: Capture) => {
      const repository = c.find('BackupRepository', REPO);
      repository.metadata.creationTimestamp = before(createdAgo);
      repository.status = { phase: 'Ready' };
    };
    expect(judge(never(3600)).status).toBe('pass');
    expect(judge(never(3 * 24 * 3600)).summary).toMatch(/has never been maintained in the 3d \(72h\) since it was created/);
  });

  it('judges the latest maintenance by startTimestamp, whatever the array order', () => {
    const reorder = (latestResult: string) => (c: Capture) => {
      const status = c.find('BackupRepository', REPO).status;
      status.recentMaintenance.at(-1).result = latestResult;
      status.recentMaintenance.at(-1).message = 'kopia maintenance failed';
      status.recentMaintenance.reverse();
    };
    expect(judge(reorder('Failed')).summary).toMatch(/latest maintenance of paperless-default-kopia Failed: kopia maintenance failed/);
    expect(judge(reorder('Succeeded')).status).toBe('pass');
  });

  it('fails for a namespace with PodVolumeBackups but no repository; ignores restic repositories', () => {
    const missing = judge((c) => (c.find('BackupRepository', REPO).spec.repositoryType = 'restic'));
    expect(missing.summary).toMatch(/no BackupRepository for namespace\(s\) paperless/);
  });

  it('leaves the repository password and MinIO root credentials to their own required guardrails', () => {
    // These used to fail this advisory item only, so the run still approved; they now fail
    // guard.repository-password and guard.minio-root-credentials (guard-credentials.test.ts).
    const finding = judge((c) => {
      c.find('Secret', 'velero-repo-credentials').data['repository-password'] = base64('static-passw0rd');
      c.find('Secret', 'velero-s3-credentials').data.cloud = base64('[default]\naws_access_key_id=minio\naws_secret_access_key=minio123\n');
    });
    expect(finding.status).toBe('pass');
  });

  it('passes with a note before any file-system backup', () => {
    const finding = judge((c) => c.remove((object) => object.kind === 'BackupRepository' || object.kind === 'PodVolumeBackup'));
    expect(finding.status).toBe('pass');
    expect(finding.summary).toMatch(/No Kopia repositories yet/);
  });

  it('is not verified when the BackupRepository list could not be read (not "no repository")', () => {
    const finding = judge((c) => c.remove((object) => object.kind === 'BackupRepository'));
    expect(finding.status).toBe('fail');
    const context = (() => {
      const capture = Capture.healthy();
      capture.remove((object) => object.kind === 'BackupRepository');
      const ctx = contextOf(capture);
      ctx.state.readGaps.push({ resource: 'backuprepositories.velero.io', verb: 'list', namespace: 'velero', reason: 'forbidden' });
      return ctx;
    })();
    const unread = judgeRepository(context);
    expect(unread.status).toBe('skip');
    expect(unread.summary).toBe('BackupRepositories could not be read (list backuprepositories.velero.io in velero: forbidden): the Kopia repositories are not verified.');
  });
});
