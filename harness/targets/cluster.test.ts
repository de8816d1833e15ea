/**
 * The cluster target end to end: kubeconfig → fake API server (HTTPS, loopback) with its scripted
 * Velero → fake S3 (loopback; the BSL's s3Url points at it) → State + DrillResult, judged by
 * beyond.restore. Also --read-only, --keep + --cleanup, Velero absent, and input errors.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditInputError } from '../errors.ts';
import { judgeItem } from '../judge/index.ts';
import { BUCKET, CANARY_ACCESS_KEY, CANARY_SECRET, leftovers, startFakeCluster, testPlan, unlabelledMutations, type FakeCluster } from '../../fixtures/doubles/fake-kube-setup.ts';
import type { ReactorScenario } from '../../fixtures/doubles/velero-reactor/scenario.ts';
import { cleanupLeftovers, runClusterAudit, type BucketHook, type ClusterAuditOptions } from './cluster.ts';

let cluster: FakeCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const LEAKY_LOG = `level=error msg="config" aws_secret_access_key=${CANARY_SECRET} aws_access_key_id=${CANARY_ACCESS_KEY}\n`;

async function audit(options: Partial<ClusterAuditOptions> = {}, scenario: ReactorScenario = {}, fake: { veleroInstalled?: boolean } = {}) {
  cluster = await startFakeCluster({ scenario: { veleroLog: LEAKY_LOG, ...scenario }, withS3: true, fake });
  return auditOn(cluster, options);
}

/** One audit of a fake cluster that is already running (successive runs share it). */
async function auditOn(current: FakeCluster, options: Partial<ClusterAuditOptions> = {}) {
  const lines: string[] = [];
  const runId = options.runId ?? `c${Math.random().toString(36).slice(2, 8)}`;
  const result = await runClusterAudit({
    // Without a BSL (Velero absent) the bucket is looked for at the plan's s3Url: keep it on the
    // loopback fake S3, never the plan's LAN address.
    plan: testPlan({ storage: { s3Url: current.s3!.endpoint } }),
    kubeconfig: current.kubeconfigPath,
    readOnly: false,
    keep: false,
    runId,
    onProgress: (line) => lines.push(line),
    signals: new EventEmitter(),
    pollMs: 25,
    env: {},
    client: { retry: { baseDelayMs: 5, maxDelayMs: 20 } },
    ...options,
  });
  return { ...result, lines, runId };
}

function expectNoSecret(...values: unknown[]) {
  const text = JSON.stringify(values);
  expect(text).not.toContain(CANARY_SECRET);
  expect(text).not.toContain(Buffer.from(CANARY_SECRET).toString('base64'));
}

describe('runClusterAudit', () => {
  it('collects, runs the drill, collects again before cleanup, reads the bucket, and cleans up', async () => {
    const { state, drill, backupName, lines, runId } = await audit();
    expect(drill?.status).toBe('passed');
    expect(backupName).toBe(`velero-verify-${runId}`);
    // The state was collected before cleanup: the drill backup, its PVB and the restore are in it.
    expect(state.objects.backups.find((b) => b.metadata.name === backupName)?.status).toMatchObject({ phase: 'Completed' });
    expect(state.objects.podVolumeBackups.filter((p) => p.metadata.labels?.['velero.io/backup-name'] === backupName)).toHaveLength(1);
    expect(state.objects.restores.map((r) => r.metadata.name)).toContain(`velero-verify-${runId}-restore`);
    expect(state.objects.pods.some((p) => p.metadata.namespace === `velero-verify-restored-${runId}`)).toBe(true);
    expect(drill?.sourceNamespace).toBe('velero-verify-canary');
    expect(state.cluster).toMatchObject({ context: 'fake', kubernetesVersion: 'v1.34.1', veleroVersion: 'v1.18.1' });
    // The bucket was read through harness/bucket with the credentials from the Secret (memory only).
    expect(state.bucket?.unreadable).toBeUndefined();
    expect(state.bucket?.backups.map((b) => b.name)).toContain(backupName);
    expect(state.bucket?.backups.find((b) => b.name === backupName)?.missingRequired).toEqual([]);
    // Then the drill deleted it, confirmed in the bucket.
    expect(drill?.cleanup).toMatchObject({ status: 'done', bucketConfirmed: true });
    expect(cluster!.s3!.listKeys(`backups/${backupName}/`, { bucket: BUCKET })).toEqual([]);
    expect(leftovers(cluster!.kube, runId)).toEqual([]);
    expect(unlabelledMutations(cluster!.kube.mutations, runId)).toEqual([]);
    expectNoSecret(state, drill, lines);
    // The judge reads the drill.
    const finding = judgeItem('beyond.restore', { state, plan: testPlan(), target: 'cluster', now: new Date(), drill, backupName });
    expect(finding.status).toBe('pass');
  });

  it('--read-only: get/list/watch only, no drill, the restore item skips', async () => {
    const { state, drill, backupName } = await audit({ readOnly: true });
    expect(drill).toBeUndefined();
    expect(backupName).toBeUndefined();
    expect(state.objects.backupStorageLocations).toHaveLength(1);
    expect(cluster!.kube.mutations).toEqual([]);
    expect(cluster!.kube.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(cluster!.s3!.requests.every((r) => r.method === 'GET' || r.method === 'HEAD')).toBe(true);
    expect(judgeItem('beyond.restore', { state, plan: testPlan(), target: 'cluster', now: new Date() })).toMatchObject({ status: 'skip', summary: expect.stringContaining('--read-only') });
    expectNoSecret(state);
  });

  it('Velero not installed: veleroInstalled false, the drill does not run, nothing is written', async () => {
    const { state, drill } = await audit({}, {}, { veleroInstalled: false });
    expect(state.veleroInstalled).toBe(false);
    expect(drill).toMatchObject({ status: 'not-run', reason: expect.stringContaining('Velero is not installed') });
    expect(cluster!.kube.mutations).toEqual([]);
  });

  it('a failing drill fails beyond.restore with the step, phases and diagnostics, secret-free', async () => {
    const { state, drill, lines, runId } = await audit({}, { backup: 'PartiallyFailed' });
    expect(drill?.failedStep).toBe('backup');
    expect(drill?.diagnostics?.logs[0].tail).toContain('aws_secret_access_key=[REDACTED]');
    const finding = judgeItem('beyond.restore', { state, plan: testPlan(), target: 'cluster', now: new Date(), drill });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toContain('failed at backup');
    expect(finding.evidence.join('\n')).toContain('status.phase = PartiallyFailed');
    expectNoSecret(state, drill, lines, finding);
    expect(leftovers(cluster!.kube, runId)).toEqual([]);
  });

  it('uses AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for the bucket when the Secret cannot be read', async () => {
    cluster = await startFakeCluster({ withS3: true });
    cluster.kube.deny({ verb: 'get', resource: 'secrets', namespace: 'velero' });
    const { state } = await runClusterAudit({ plan: testPlan(), kubeconfig: cluster.kubeconfigPath, readOnly: true, keep: false, runId: 'r-env', env: { AWS_ACCESS_KEY_ID: CANARY_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: CANARY_SECRET } });
    expect(state.readGaps).toEqual([expect.objectContaining({ verb: 'get', resource: 'secrets' }), expect.objectContaining({ verb: 'get', resource: 'secrets' })]);
    expect(state.bucket?.unreadable).toBeUndefined();
    expect(state.bucket?.topLevel).toBeDefined();
  });

  it('without credentials the bucket is not read and the progress says why', async () => {
    cluster = await startFakeCluster({ withS3: true });
    cluster.kube.deny({ verb: 'get', resource: 'secrets', namespace: 'velero' });
    const lines: string[] = [];
    const { state } = await runClusterAudit({ plan: testPlan(), kubeconfig: cluster.kubeconfigPath, readOnly: true, keep: false, runId: 'r-none', env: {}, onProgress: (l) => lines.push(l) });
    expect(state.bucket).toBeUndefined();
    expect(lines.join('\n')).toContain('no S3 credentials');
    expect(cluster.s3!.requests).toEqual([]);
  });

  it('a BucketHook passed in is used instead of the default', async () => {
    const seen: string[][] = [];
    const hook: BucketHook = {
      collect: async (_state, focus) => {
        seen.push(focus?.backupNames ?? []);
        return undefined;
      },
      backupFilesGone: async () => true,
    };
    const { drill, backupName } = await audit({ bucket: hook });
    expect(drill?.cleanup?.bucketConfirmed).toBe(true);
    expect(seen).toEqual([[], [backupName]]);
  });

  it('no kubeconfig / no context → AuditInputError before any connection', async () => {
    await expect(runClusterAudit({ plan: testPlan(), readOnly: true, keep: false, runId: 'x', env: { KUBECONFIG: '/nonexistent/kubeconfig' } })).rejects.toBeInstanceOf(AuditInputError);
    cluster = await startFakeCluster();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(cluster.kubeconfigPath, cluster.kube.kubeconfig({ currentContext: null }));
    await expect(runClusterAudit({ plan: testPlan(), kubeconfig: cluster.kubeconfigPath, readOnly: true, keep: false, runId: 'x', env: {} })).rejects.toThrow(/no current-context/);
    expect(cluster.kube.requests).toEqual([]);
  });
});

describe('--keep then --cleanup', () => {
  it('keeps the drill objects, then the sweep removes every labelled leftover (backup via DeleteBackupRequest) and nothing else', async () => {
    const { drill, runId, lines } = await audit({ keep: true });
    expect(drill?.cleanup?.status).toBe('kept');
    expect(leftovers(cluster!.kube, runId).length).toBeGreaterThan(0);
    // An unlabelled namespace with a similar name must survive the sweep.
    cluster!.kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero-verify-lookalike' }, status: { phase: 'Active' } });
    const before = cluster!.kube.mutations.length;
    const swept: string[] = [];
    const { deleted, problems } = await cleanupLeftovers({ plan: testPlan(), kubeconfig: cluster!.kubeconfigPath, env: {}, pollMs: 25, onProgress: (l) => swept.push(l) });
    expect(problems).toEqual([]);
    expect(deleted).toEqual(
      expect.arrayContaining([
        'Namespace velero-verify-canary',
        `Namespace velero-verify-restored-${runId}`,
        `Restore velero/velero-verify-${runId}-restore`,
        expect.stringMatching(new RegExp(`^Backup velero/velero-verify-${runId} \\(DeleteBackupRequest`)),
      ]),
    );
    expect(leftovers(cluster!.kube, runId)).toEqual([]);
    expect(cluster!.kube.get('Namespace', 'velero-verify-canary')).toBeUndefined();
    // The canary namespace's BackupRepository is Velero's, not labelled by us: the sweep leaves it.
    expect(cluster!.kube.list('BackupRepository', 'velero').map((r) => r.metadata.name)).toEqual(['velero-verify-canary-default-kopia']);
    expect(cluster!.kube.get('Namespace', 'velero-verify-lookalike')).toBeDefined();
    expect(cluster!.kube.get('Namespace', 'shop')).toBeDefined();
    expect(cluster!.s3!.listKeys(`backups/velero-verify-${runId}/`, { bucket: BUCKET })).toEqual([]);
    expect(unlabelledMutations(cluster!.kube.mutations.slice(before))).toEqual([]);
    expectNoSecret(drill, lines, swept, deleted);
    // A second sweep finds nothing.
    expect((await cleanupLeftovers({ plan: testPlan(), kubeconfig: cluster!.kubeconfigPath, env: {}, pollMs: 25 })).deleted).toEqual([]);
  });

  it('a kept run blocks the next one (naming it, with the --cleanup hint); after --cleanup the next run passes on the same repository', async () => {
    const kept = await audit({ keep: true });
    expect(kept.drill?.cleanup?.status).toBe('kept');
    const next = (runId: string) => auditOn(cluster!, { runId });

    const blocked = await next('c-blocked');
    expect(blocked.drill).toMatchObject({ status: 'failed', failedStep: 'preflight', cleanup: { status: 'nothing-to-do' } });
    expect(blocked.drill?.reason).toContain(`belongs to velero-verify run ${kept.runId}`);
    expect(blocked.drill?.reason).toContain('npm run audit -- --cleanup');
    expect(leftovers(cluster!.kube, kept.runId).length).toBeGreaterThan(0);

    expect((await cleanupLeftovers({ plan: testPlan(), kubeconfig: cluster!.kubeconfigPath, env: {}, pollMs: 25 })).problems).toEqual([]);
    const after = await next('c-after');
    expect(after.drill).toMatchObject({ status: 'passed', sourceNamespace: 'velero-verify-canary', cleanup: { status: 'done' } });
    for (const runId of [kept.runId, 'c-blocked', 'c-after']) expect(leftovers(cluster!.kube, runId)).toEqual([]);
    expect(cluster!.kube.list('BackupRepository', 'velero').map((r) => r.metadata.name)).toEqual(['velero-verify-canary-default-kopia']);
    expect(unlabelledMutations(cluster!.kube.mutations)).toEqual([]);
  });
});

describe('S3 credentials from the environment', () => {
  it('are added to the redactor, so no progress line or report can show them', async () => {
    const { bucketHookFromPlan } = await import('./cluster.ts');
    const { Redactor, REDACTED } = await import('../redact.ts');
    const { emptyObjects } = await import('../state.ts');
    const redactor = new Redactor();
    const secretKey = 'env-secret-key-planted-7c1e';
    const state = { source: { target: 'cluster' as const, description: 'test' }, namespace: 'velero', objects: emptyObjects(), ignoredKinds: {}, readGaps: [] };
    const hook = bucketHookFromPlan(state, testPlan(), undefined, {
      env: { AWS_ACCESS_KEY_ID: 'ENVKEYID1234', AWS_SECRET_ACCESS_KEY: secretKey, VELERO_VERIFY_S3_ENDPOINT: 'http://127.0.0.1:9' },
      redactor,
    });
    hook?.close?.();
    expect(hook).toBeDefined();
    expect(redactor.text(`request failed with key ${secretKey} (id ENVKEYID1234)`)).toBe(`request failed with key ${REDACTED} (id ${REDACTED})`);
  });
});
