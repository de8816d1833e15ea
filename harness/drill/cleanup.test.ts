/**
 * Deleting a drill Backup Velero has not started: directly, but only the version that was read —
 * if Velero moved it on in between (Queued → ReadyToStart → InProgress), the delete is refused
 * (409) and the backup goes through a DeleteBackupRequest once it has finished.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KubeApi } from '../kube/api.ts';
import { KubeClient } from '../kube/client.ts';
import { loadKubeTarget } from '../kube/config.ts';
import { runLabels } from './canary.ts';
import { deleteBackupThroughVelero } from './cleanup.ts';
import { startFakeCluster, type FakeCluster } from '../../fixtures/doubles/fake-kube-setup.ts';

let cluster: FakeCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const queued = (name: string) => ({
  apiVersion: 'velero.io/v1',
  kind: 'Backup',
  metadata: { name, namespace: 'velero', labels: runLabels('r1') },
  spec: { includedNamespaces: ['velero-verify-canary'], storageLocation: 'default' },
  status: { phase: 'Queued', queuePosition: 1 },
});

function apiOf(c: FakeCluster): KubeApi {
  return new KubeApi(new KubeClient(loadKubeTarget({ kubeconfig: c.kubeconfigPath, env: {} }).kubeConfig, { retry: { baseDelayMs: 10, maxDelayMs: 40 } }));
}

describe('deleteBackupThroughVelero — a backup Velero has not started', () => {
  it('a Queued backup is deleted at once, directly (nothing in the bucket), and the bucket is checked', async () => {
    cluster = await startFakeCluster({ withS3: true });
    cluster.kube.put(queued('velero-verify-r1'));
    const lines: string[] = [];
    const outcome = await deleteBackupThroughVelero(
      { api: apiOf(cluster), veleroNamespace: 'velero', runId: 'r1', deadlineMs: 5_000, pollMs: 20, onProgress: (line) => lines.push(line), bucket: { backupFilesGone: async () => true } },
      'velero-verify-r1',
    );
    expect(outcome).toMatchObject({ deleted: ['Backup velero/velero-verify-r1'], left: [], problems: [], bucketConfirmed: true });
    expect(lines).toContain('cleanup: Backup velero/velero-verify-r1 was Queued (never started; nothing reached the bucket): deleted directly');
    expect(cluster.kube.mutations.filter((m) => m.resource === 'deletebackuprequests.velero.io')).toEqual([]);
  });

  it('started between the read and the delete: the stale delete is refused (409) and the backup is deleted through Velero after it finished', async () => {
    cluster = await startFakeCluster({ withS3: true });
    const c = cluster;
    c.kube.put(queued('velero-verify-r1'));
    const api = apiOf(c);
    // Velero's queue controller moves the backup on right after the cleanup read it.
    const realDelete = api.delete.bind(api);
    let moved = false;
    api.delete = async (...args: Parameters<KubeApi['delete']>) => {
      if (!moved && args[0].kind === 'Backup') {
        moved = true;
        c.kube.update('Backup', 'velero-verify-r1', 'velero', (b) => (b.status = { phase: 'Completed', startTimestamp: new Date().toISOString(), completionTimestamp: new Date().toISOString() }));
      }
      return realDelete(...args);
    };
    const outcome = await deleteBackupThroughVelero({ api, veleroNamespace: 'velero', runId: 'r1', deadlineMs: 5_000, pollMs: 20 }, 'velero-verify-r1');
    expect(c.kube.mutations.filter((m) => m.verb === 'delete' && m.resource === 'backups.velero.io').map((m) => m.status)).toEqual([409]);
    expect(outcome.deleted).toEqual([expect.stringMatching(/^Backup velero\/velero-verify-r1 \(DeleteBackupRequest /)]);
    expect(c.kube.get('Backup', 'velero-verify-r1', 'velero')).toBeUndefined();
  });

  it('--cleanup: a Backup without a phase for longer than the deletion deadline is deleted at once, saying the server never processed it', async () => {
    cluster = await startFakeCluster({ withS3: true });
    const old = queued('velero-verify-r1');
    cluster.kube.put({ ...old, metadata: { ...old.metadata, creationTimestamp: new Date(Date.now() - 3_600_000).toISOString() }, status: undefined });
    const lines: string[] = [];
    const outcome = await deleteBackupThroughVelero(
      { api: apiOf(cluster), veleroNamespace: 'velero', deadlineMs: 60_000, pollMs: 20, onProgress: (line) => lines.push(line), bucket: { backupFilesGone: async () => true } },
      'velero-verify-r1',
    );
    expect(outcome.deleted).toEqual(['Backup velero/velero-verify-r1']);
    expect(outcome.problems.join(' ')).toMatch(/was never processed by the Velero server \(no phase 60 minute\(s\) after it was created; nothing reached the bucket\): deleted directly\. Is the velero Deployment running\? Is the BackupStorageLocation Available\?/);
    expect(outcome.problems.join(' ')).not.toMatch(/PodVolumeBackup|hostPath/);
    expect(lines.some((line) => line.includes('waiting for it to finish'))).toBe(false);
  });
});
