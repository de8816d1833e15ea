/**
 * The canary drill against the fake API server and its scripted Velero. Every case asserts the
 * safety contract from the fake's mutation log (nothing unlabelled created, changed or deleted),
 * that nothing of the run is left unless --keep, and that the canary secret value planted in the
 * credentials Secret (and leaked into the velero log) appears in no result, diagnostics or progress.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KubeApi } from '../kube/api.ts';
import { KubeClient } from '../kube/client.ts';
import { loadKubeTarget } from '../kube/config.ts';
import { Redactor } from '../redact.ts';
import { drillNames, MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL, runLabels } from './canary.ts';
import { runDrill, type DrillOptions } from './run-drill.ts';
import { DRILL_STEPS, type DrillResult } from './types.ts';
import { BUCKET, CANARY_SECRET, leftovers, startFakeCluster, testPlan, unlabelledMutations, type FakeCluster } from '../../fixtures/doubles/fake-kube-setup.ts';
import type { ReactorScenario } from '../../fixtures/doubles/velero-reactor/scenario.ts';
import type { FaultRule, DenyRule } from '../../fixtures/doubles/fake-kube/types.ts';
import type { KubeObject } from '../state.ts';

let cluster: FakeCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const LEAKY_LOG = `time="2026-01-01T03:00:00Z" level=error msg="dumping config" aws_secret_access_key=${CANARY_SECRET}\nlevel=info msg="raw ${CANARY_SECRET}"\n`;

interface DrillCase {
  scenario?: ReactorScenario;
  options?: Partial<DrillOptions>;
  timeouts?: Partial<Record<'podReady' | 'backup' | 'restore' | 'deletion', string>>;
  faults?: FaultRule[];
  denies?: DenyRule[];
  withS3?: boolean;
  /** Called with every progress line (after it is recorded). */
  onLine?: (line: string, cluster: FakeCluster) => void;
  runId?: string;
  before?: (cluster: FakeCluster) => void;
}

async function drill(c: DrillCase = {}) {
  cluster = await startFakeCluster({ scenario: { veleroLog: LEAKY_LOG, ...c.scenario }, withS3: c.withS3 ?? true });
  return drillOn(cluster, c);
}

/** One drill run against a cluster that is already running (successive runs share it). */
async function drillOn(current: FakeCluster, c: DrillCase = {}) {
  for (const fault of c.faults ?? []) current.kube.fault(fault);
  for (const deny of c.denies ?? []) current.kube.deny(deny);
  const target = loadKubeTarget({ kubeconfig: current.kubeconfigPath });
  const api = new KubeApi(new KubeClient(target.kubeConfig, { retry: { baseDelayMs: 10, maxDelayMs: 40 } }));
  const redactor = new Redactor();
  redactor.add(CANARY_SECRET); // what collection does with every Secret value it reads
  const lines: string[] = [];
  const runId = c.runId ?? `t${Math.random().toString(36).slice(2, 8)}`;
  c.before?.(current);
  const signals = new EventEmitter();
  const s3 = current.s3;
  const result = await runDrill({
    api,
    plan: testPlan({}, c.timeouts),
    runId,
    keep: false,
    redactor,
    pollMs: 25,
    signals,
    bucket: s3
      ? {
          backupFilesGone: async (name) => s3.listKeys(`backups/${name}/`, { bucket: BUCKET }).length === 0,
          restoreFilesGone: async (name) => s3.listKeys(`restores/${name}/`, { bucket: BUCKET }).length === 0,
        }
      : undefined,
    onProgress: (line) => {
      lines.push(line);
      c.onLine?.(line, current);
    },
    ...c.options,
  });
  return { result, lines, runId, signals };
}

/** The checks every drill case makes. */
function expectSafe(result: DrillResult, lines: string[], runId: string, options: { kept?: boolean } = {}) {
  expect(unlabelledMutations(cluster!.kube.mutations, runId)).toEqual([]);
  expect(JSON.stringify(result)).not.toContain(CANARY_SECRET);
  expect(lines.join('\n')).not.toContain(CANARY_SECRET);
  if (!options.kept) expect(leftovers(cluster!.kube, runId)).toEqual([]);
  // The unrelated application is untouched.
  expect(cluster!.kube.get('Pod', 'web-0', 'shop')).toBeDefined();
  expect(cluster!.kube.get('Namespace', 'shop')?.metadata.deletionTimestamp).toBeUndefined();
}

function stepStatus(result: DrillResult, name: string) {
  return result.steps.find((step) => step.name === name)?.status;
}

describe('runDrill — the canary backup → restore → checksum → cleanup', () => {
  it('passes on a healthy Velero: equal checksums, marker absent, one kopia PVB, backup deleted through a DeleteBackupRequest and gone from the bucket', async () => {
    const { result, lines, runId, signals } = await drill();
    expect(result.status).toBe('passed');
    expect(result.restoredSha256).toBe(result.expectedSha256);
    expect(result.writtenSha256).toBe(result.expectedSha256);
    expect(result.markerPresent).toBe(false);
    expect(result.podVolumeBackups).toEqual([expect.objectContaining({ volume: 'data', phase: 'Completed', uploaderType: 'kopia' })]);
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([...DRILL_STEPS.map((s) => [s, 'passed']), ['cleanup', 'passed']]);
    expect(result.cleanup).toMatchObject({ status: 'done', bucketConfirmed: true, left: [] });
    expect(result.diagnostics).toBeUndefined();
    const created = cluster!.kube.mutations.filter((m) => m.verb === 'create' && m.status === 201).map((m) => m.resource);
    expect(created).toContain('deletebackuprequests.velero.io');
    // The Backup CR itself is never deleted directly (docs/velero-facts.md §9).
    expect(cluster!.kube.mutations.some((m) => m.verb === 'delete' && m.resource === 'backups.velero.io')).toBe(false);
    expect(cluster!.s3!.listKeys(`backups/${result.backupName}/`, { bucket: BUCKET })).toEqual([]);
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
    expect(lines.some((line) => line.startsWith('waiting for Backup'))).toBe(true);
    expectSafe(result, lines, runId);
  });

  it('fails at backup when the backup is PartiallyFailed, with diagnostics collected before cleanup (redacted)', async () => {
    const { result, lines, runId } = await drill({ scenario: { backup: 'PartiallyFailed' } });
    expect(result.status).toBe('failed');
    expect(result.failedStep).toBe('backup');
    expect(result.backupPhase).toBe('PartiallyFailed');
    expect(result.backupErrors).toBe(2);
    expect(stepStatus(result, 'restore')).toBe('skipped');
    expect(result.diagnostics?.objects.map((o) => o.ref)).toContain(`Backup velero/${result.backupName}`);
    expect(result.diagnostics?.objects[0].yaml).toContain('phase: PartiallyFailed');
    expect(result.diagnostics?.logs.map((l) => l.source)).toEqual(['velero pod velero-7d9c5b6f4-x2k8q', 'node-agent pod node-agent-abcde']);
    expect(result.diagnostics?.logs[0].tail).toContain('aws_secret_access_key=[REDACTED]');
    expect(result.cleanup).toMatchObject({ status: 'done' });
    expectSafe(result, lines, runId);
  });

  it('fails at backup when a PodVolumeBackup Failed, naming it and its message', async () => {
    const { result, lines, runId } = await drill({ scenario: { pvb: 'Failed' } });
    expect(result.failedStep).toBe('backup');
    expect(result.backupPhase).toBe('PartiallyFailed');
    expect(result.podVolumeBackups?.[0]).toMatchObject({ phase: 'Failed', message: expect.stringContaining('kopia') });
    expect(result.diagnostics?.objects.some((o) => o.ref.startsWith('PodVolumeBackup'))).toBe(true);
    expectSafe(result, lines, runId);
  });

  it('fails at backup when the backup is Completed with zero PodVolumeBackups because the PV is hostPath (docs/velero-facts.md §4)', async () => {
    const { result, lines, runId } = await drill({ scenario: { hostPathPv: true } });
    expect(result.backupPhase).toBe('Completed');
    expect(result.failedStep).toBe('backup');
    expect(result.podVolumeBackups).toEqual([]);
    expect(result.reason).toMatch(/no PodVolumeBackup.*hostPath/);
    expect(result.diagnostics?.objects.some((o) => o.ref.startsWith('PersistentVolume ') && o.yaml.includes('hostPath'))).toBe(true);
    expectSafe(result, lines, runId);
  });

  it('refuses to start when the BSL is Unavailable and creates nothing', async () => {
    const { result, lines, runId } = await drill({ scenario: { bslPhase: 'Unavailable' } });
    expect(result.failedStep).toBe('preflight');
    expect(result.reason).toMatch(/Unavailable.*NoSuchBucket/);
    expect(result.steps.find((s) => s.name === 'preflight')?.phase).toBe('Unavailable');
    expect(cluster!.kube.mutations).toEqual([]);
    expect(result.cleanup?.status).toBe('nothing-to-do');
    expectSafe(result, lines, runId);
  });

  it('refuses to start when the canary namespace is a leftover of another run: names that run and --cleanup, deletes nothing', async () => {
    const leftover = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero-verify-canary', labels: runLabels('20260101-030000-old1') }, status: { phase: 'Active' } };
    const { result, lines, runId } = await drill({ before: (c) => c.kube.put(leftover) });
    expect(result.failedStep).toBe('preflight');
    expect(result.reason).toContain('namespace velero-verify-canary already exists');
    expect(result.reason).toContain('run 20260101-030000-old1');
    expect(result.reason).toContain('Another run may be in progress');
    expect(result.reason).toContain('npm run audit -- --cleanup');
    expect(stepStatus(result, 'create-canary')).toBe('skipped');
    expect(cluster!.kube.mutations).toEqual([]);
    expect(cluster!.kube.get('Namespace', 'velero-verify-canary')?.metadata).toMatchObject({ labels: leftover.metadata.labels });
    expect(cluster!.kube.get('Namespace', 'velero-verify-canary')?.metadata.deletionTimestamp).toBeUndefined();
    expect(result.cleanup?.status).toBe('nothing-to-do');
    expectSafe(result, lines, runId);
  });

  it('refuses to start when a namespace of the canary name belongs to someone else, and never touches it', async () => {
    const { result, lines, runId } = await drill({
      before: (c) => c.kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero-verify-canary', labels: { team: 'qa' } }, status: { phase: 'Active' } }),
    });
    expect(result.failedStep).toBe('preflight');
    expect(result.reason).toContain('namespace velero-verify-canary already exists');
    expect(result.reason).toContain('belongs to someone else');
    expect(result.reason).toContain('choose another drill.namespacePrefix');
    expect(result.reason).not.toContain('--cleanup');
    expect(cluster!.kube.mutations).toEqual([]);
    expect(cluster!.kube.get('Namespace', 'velero-verify-canary')?.metadata.labels).toEqual({ team: 'qa' });
    expect(result.cleanup?.status).toBe('nothing-to-do');
    expectSafe(result, lines, runId);
  });

  it('another run creating the canary namespace between preflight and create: refused with its run id, its namespace untouched', async () => {
    const other = runLabels('20260101-030000-race');
    const { result, lines, runId } = await drill({
      onLine: (line, c) => {
        if (line.startsWith('drill create-canary: started')) c.kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero-verify-canary', labels: other }, status: { phase: 'Active' } });
      },
    });
    expect(result.failedStep).toBe('create-canary');
    expect(result.reason).toContain('run 20260101-030000-race');
    expect(cluster!.kube.mutations.filter((m) => m.status < 300)).toEqual([]);
    expect(cluster!.kube.get('Namespace', 'velero-verify-canary')?.metadata.labels).toEqual(other);
    expect(result.cleanup).toMatchObject({ status: 'nothing-to-do', problems: [] });
    expectSafe(result, lines, runId);
  });

  it('two successive drills share the canary namespace: Velero keeps ONE BackupRepository for it, nothing else of either run is left', async () => {
    const first = await drill();
    const repository = cluster!.kube.get('BackupRepository', 'velero-verify-canary-default-kopia', 'velero');
    expect(repository).toBeDefined();
    const between = cluster!.kube.mutations.length;
    const second = await drillOn(cluster!);
    // Each run touched only its own objects (the mutation log is shared: split it at the second run).
    expect(unlabelledMutations(cluster!.kube.mutations.slice(0, between), first.runId)).toEqual([]);
    expect(unlabelledMutations(cluster!.kube.mutations.slice(between), second.runId)).toEqual([]);
    expect(cluster!.kube.mutations.slice(between).some((m) => m.verb === 'create' && m.name === 'velero-verify-canary' && m.status === 201)).toBe(true);
    for (const { result, lines, runId } of [first, second]) {
      expect(result.status).toBe('passed');
      expect(result.cleanup).toMatchObject({ status: 'done' });
      expect(leftovers(cluster!.kube, runId)).toEqual([]);
      expect(JSON.stringify(result) + lines.join('\n')).not.toContain(CANARY_SECRET);
    }
    expect(cluster!.kube.get('Pod', 'web-0', 'shop')).toBeDefined();
    expect(second.result.sourceNamespace).toBe(first.result.sourceNamespace);
    expect(second.result.targetNamespace).not.toBe(first.result.targetNamespace);
    expect(second.result.backupName).not.toBe(first.result.backupName);
    // The second run wrote its own data into a fresh volume (the first run's went with its PV).
    expect(second.result.writtenSha256).toBe(second.result.expectedSha256);
    expect(second.result.expectedSha256).not.toBe(first.result.expectedSha256);
    const repositories = cluster!.kube.list('BackupRepository', 'velero');
    expect(repositories.map((r) => r.metadata.name)).toEqual(['velero-verify-canary-default-kopia']);
    // Reused, not recreated (docs/velero-facts.md §3: one per volume namespace, BSL and type).
    expect(repositories[0].metadata.uid).toBe(repository!.metadata.uid);
    expect(repositories[0].spec).toMatchObject({ volumeNamespace: 'velero-verify-canary', maintenanceFrequency: '24h' });
    // Set once, after the first use; the second run finds it set.
    expect(cluster!.kube.mutations.filter((m) => m.verb === 'patch' && m.resource === 'backuprepositories.velero.io').map((m) => m.status)).toEqual([200]);
    expect(second.result.repositoryMaintenance).toBeUndefined();
    // One Kopia repository in the bucket, no backups/ folder of either run.
    const keys = cluster!.s3!.listKeys('', { bucket: BUCKET });
    expect(keys.filter((key) => key.startsWith('kopia/')).every((key) => key.startsWith('kopia/velero-verify-canary/'))).toBe(true);
    expect(keys.some((key) => key.startsWith('kopia/velero-verify-canary/'))).toBe(true);
    expect(keys.filter((key) => key.startsWith('backups/'))).toEqual([]);
    expect(cluster!.kube.get('Namespace', 'velero-verify-canary')).toBeUndefined();
    // The provisioner removes the PVs shortly after their claims went with the namespace.
    await vi.waitFor(() => expect(cluster!.kube.list('PersistentVolume')).toEqual([]), { timeout: 15_000, interval: 20 });
    expect(cluster!.kube.all().filter((o) => o.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE)).toEqual([]);
  });

  it('deadline: a backup slower than the timeout fails with diagnostics, and cleanup waits for it to finish before deleting it', async () => {
    // The backup outlasts its 200 ms deadline by far, even when the machine is slow to start waiting.
    const { result, lines, runId } = await drill({ scenario: { backupDurationMs: 3_000 }, timeouts: { backup: '200ms', deletion: '20s' } });
    expect(result.failedStep).toBe('backup');
    expect(result.reason).toMatch(/did not reach the expected state within/);
    expect(result.backupPhase).toBe('InProgress');
    expect(result.diagnostics?.objects[0]).toMatchObject({ ref: `Backup velero/${result.backupName}` });
    expect(result.diagnostics?.objects[0].yaml).toContain('phase: InProgress');
    expect(result.diagnostics?.events).toBeInstanceOf(Array);
    expect(result.diagnostics?.logs.length).toBe(2);
    expect(lines.some((line) => line.includes('waiting for it to finish before deleting it'))).toBe(true);
    expect(result.cleanup).toMatchObject({ status: 'done', bucketConfirmed: true });
    expectSafe(result, lines, runId);
  });

  it('deadline: a backup that never finishes is reported as left behind (Velero refuses to delete a running backup), everything else is removed', async () => {
    // The deletion deadline also bounds each namespace's removal: long enough for that on a busy machine.
    const { result, lines, runId } = await drill({ scenario: { backup: 'never' }, timeouts: { backup: '200ms', deletion: '3s' } });
    expect(result.failedStep).toBe('backup');
    expect(result.cleanup?.status).toBe('incomplete');
    expect(result.cleanup?.left).toEqual([`Backup velero/${result.backupName}`]);
    expect(result.cleanup?.problems.join(' ')).toContain(`Backup velero/${result.backupName} is still InProgress: Velero refuses to delete a backup in progress`);
    expect(result.cleanup?.problems.join(' ')).toContain('velero.io/pod-volume-timeout (1000ms)');
    expect(result.cleanup?.problems.join(' ')).toContain('npm run audit -- --cleanup');
    expect(cluster!.kube.get('Namespace', result.sourceNamespace!)).toBeUndefined();
    expect(unlabelledMutations(cluster!.kube.mutations, runId)).toEqual([]);
    expect(JSON.stringify(result) + lines.join('\n')).not.toContain(CANARY_SECRET);
  });

  it('fails at verify on a checksum mismatch', async () => {
    const { result, lines, runId } = await drill({ scenario: { restoreData: 'corrupt' } });
    expect(result.failedStep).toBe('verify');
    expect(result.restoredSha256).not.toBe(result.expectedSha256);
    expect(result.reason).toContain('checksum mismatch');
    expectSafe(result, lines, runId);
  });

  it('fails at verify when the restored volume holds the post-backup marker', async () => {
    const { result, lines, runId } = await drill({ scenario: { restoreData: 'with-marker' } });
    expect(result.failedStep).toBe('verify');
    expect(result.restoredSha256).toBe(result.expectedSha256);
    expect(result.markerPresent).toBe(true);
    expectSafe(result, lines, runId);
  });

  it('fails at restore when the restore is PartiallyFailed', async () => {
    const { result, lines, runId } = await drill({ scenario: { restore: 'PartiallyFailed' } });
    expect(result.failedStep).toBe('restore');
    expect(result.restorePhase).toBe('PartiallyFailed');
    expectSafe(result, lines, runId);
  });

  it('refuses to restore into a namespace that appeared meanwhile, and never touches it', async () => {
    let planted = '';
    const runId = '20260101-030000-plnt';
    const { result, lines } = await drill({
      runId,
      onLine: (line, c) => {
        if (line.startsWith('drill mark-source: started')) {
          planted = line; // plant an unlabelled namespace with the target's name
          c.kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: drillNames(testPlan(), runId).targetNamespace }, status: { phase: 'Active' } });
        }
      },
    });
    expect(result.targetNamespace).toBe(`velero-verify-restored-${runId}`);
    expect(planted).not.toBe('');
    expect(result.failedStep).toBe('restore');
    expect(result.reason).toContain('already exists');
    expect(cluster!.kube.get('Namespace', result.targetNamespace!)).toBeDefined();
    expect(cluster!.kube.mutations.some((m) => m.name === result.targetNamespace)).toBe(false);
    expect(cluster!.kube.mutations.some((m) => m.resource === 'restores.velero.io')).toBe(false);
    expect(unlabelledMutations(cluster!.kube.mutations, runId)).toEqual([]);
    expect(leftovers(cluster!.kube, runId).filter((o) => o !== `Namespace ${result.targetNamespace}`)).toEqual([]);
    expect(lines.join('\n')).not.toContain(CANARY_SECRET);
  });

  it('a step that overruns its own deadline fails as such (not as an interruption), with diagnostics, and cleanup still runs', async () => {
    const { result, lines, runId } = await drill({ scenario: { podStart: 'never' }, timeouts: { podReady: '30s' }, options: { stepDeadlines: { 'write-data': 300 } } });
    expect(result.failedStep).toBe('write-data');
    expect(result.reason).toBe('step write-data did not finish within its deadline of 0.3s');
    expect(result.interrupted).toBeUndefined();
    expect(result.diagnostics?.objects.map((o) => o.ref)).toContain('Pod velero-verify-canary/canary-writer');
    expect(result.cleanup).toMatchObject({ status: 'done', left: [] });
    expectSafe(result, lines, runId);
  });

  it('fails fast when the canary image cannot be pulled', async () => {
    const { result, lines, runId } = await drill({ scenario: { podStart: 'ErrImagePull' }, timeouts: { podReady: '20s' } });
    expect(result.failedStep).toBe('write-data');
    expect(result.reason).toMatch(/ErrImagePull.*drill.image/);
    // Failed on the pull error itself, not at the pod deadline.
    expect(result.reason).not.toMatch(/did not reach the expected state/);
    expectSafe(result, lines, runId);
  });

  it('403 on create: the drill fails at the step that needed the permission and cleans up what it made', async () => {
    const { result, lines, runId } = await drill({ denies: [{ verb: 'create', resource: 'backups.velero.io' }] });
    expect(result.failedStep).toBe('backup');
    expect(result.reason).toMatch(/403 Forbidden.*cannot create resource "backups"/);
    expectSafe(result, lines, runId);
  });

  it('403 on creating namespaces: nothing is created, nothing is left', async () => {
    const { result, lines, runId } = await drill({ denies: [{ verb: 'create', resource: 'namespaces' }] });
    expect(result.failedStep).toBe('create-canary');
    expect(cluster!.kube.mutations.filter((m) => m.status < 300)).toEqual([]);
    expectSafe(result, lines, runId);
  });

  it('500s, 503s and a reset connection are retried within the deadline and the drill still passes', async () => {
    const { result, lines, runId } = await drill({
      faults: [
        { verb: 'create', resource: 'backups', status: 500, times: 2 },
        { verb: 'get', resource: 'restores', status: 503, times: 2 },
        { verb: 'get', resource: 'pods', status: 'reset', times: 1 },
      ],
    });
    expect(result.status).toBe('passed');
    expect(cluster!.kube.requests.filter((r) => r.status === 500).length).toBe(2);
    expectSafe(result, lines, runId);
  });

  it('a DeleteBackupRequest that Velero answers with errors leaves the backup reported, not silently lost', async () => {
    const { result, lines, runId } = await drill({ scenario: { deletion: 'error' } });
    expect(result.status).toBe('passed');
    expect(result.cleanup?.status).toBe('incomplete');
    expect(result.cleanup?.problems.join(' ')).toContain('AccessDenied');
    expect(unlabelledMutations(cluster!.kube.mutations, runId)).toEqual([]);
    expect(lines.join('\n')).not.toContain(CANARY_SECRET);
  });

  it('files left in the bucket after the DeleteBackupRequest are reported', async () => {
    // The deletion deadline also bounds each namespace's removal: long enough for that on a busy machine.
    const { result, lines, runId } = await drill({ scenario: { deletion: 'keep-files' }, timeouts: { deletion: '2s' } });
    expect(result.cleanup).toMatchObject({ status: 'incomplete', bucketConfirmed: false });
    expect(result.cleanup?.left).toContain(`backups/${result.backupName}/ in the bucket`);
    expectSafe(result, lines, runId);
  });

  it('--keep leaves everything in place and says what was kept', async () => {
    const { result, lines, runId } = await drill({ options: { keep: true } });
    expect(result.status).toBe('passed');
    expect(result.cleanup?.status).toBe('kept');
    expect(result.cleanup?.left).toEqual([
      `Restore velero/${result.restoreName}`,
      `Namespace ${result.targetNamespace}`,
      `Backup velero/${result.backupName}`,
      `Namespace ${result.sourceNamespace}`,
    ]);
    expect(cluster!.kube.get('Backup', result.backupName!, 'velero')).toBeDefined();
    expect(lines.some((line) => line.includes('--keep'))).toBe(true);
    expectSafe(result, lines, runId, { kept: true });
  });

  it('without a bucket probe the cleanup says the bucket was not checked', async () => {
    const { result, lines, runId } = await drill({ withS3: false });
    expect(result.status).toBe('passed');
    expectSafe(result, lines, runId);
    expect(result.cleanup?.bucketConfirmed).toBeUndefined();
    expect(result.cleanup?.problems.join(' ')).toContain('the bucket was not checked');
  });

  it('removes its signal handlers from the real process when done', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const { result, lines, runId } = await drill({ scenario: { bslPhase: 'Unavailable' }, options: { signals: undefined } });
    expect(result.failedStep).toBe('preflight');
    expectSafe(result, lines, runId);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});

describe('runDrill — interrupted in the middle of each step', () => {
  for (const [index, step] of DRILL_STEPS.entries()) {
    const how = index % 2 === 0 ? 'SIGINT' : 'AbortSignal';
    it(`${how} during ${step}: cleanup runs, nothing is left, nothing unlabelled touched`, async () => {
      const controller = new AbortController();
      const signals = new EventEmitter();
      let fired = false;
      const { result, lines, runId } = await drill({
        options: { signal: controller.signal, signals },
        onLine: (line) => {
          if (!fired && line.startsWith(`drill ${step}: started`)) {
            fired = true;
            // In the middle of the step: it has started and awaits its first request. Fired as a
            // microtask, not after a delay, so a fast step cannot finish first on a busy machine.
            queueMicrotask(() => (how === 'SIGINT' ? signals.emit('SIGINT') : controller.abort('test abort')));
          }
        },
      });
      expect(fired).toBe(true);
      expect(result.status).toBe('failed');
      expect(result.failedStep).toBe(step);
      expect(result.interrupted).toBe(how === 'SIGINT' ? 'SIGINT' : 'test abort');
      expect(result.diagnostics).toBeUndefined();
      expect(result.cleanup).toMatchObject({ status: expect.stringMatching(/^(done|nothing-to-do)$/), left: [] });
      expect(signals.listenerCount('SIGINT')).toBe(0);
      expectSafe(result, lines, runId);
    });
  }

  it('a second SIGINT stops the cleanup too and reports what is left', async () => {
    const signals = new EventEmitter();
    const { result, runId, lines } = await drill({
      options: { signals },
      // Still running when the cleanup reaches it, however slow the machine: the second SIGINT ends the wait.
      scenario: { backupDurationMs: 10_000 },
      onLine: (line) => {
        if (line.startsWith('waiting for Backup') && line.includes('phase InProgress') && signals.listenerCount('SIGINT') > 0 && !line.includes('cleanup')) setTimeout(() => signals.emit('SIGINT'), 5);
        if (line.includes('waiting for it to finish before deleting it')) setTimeout(() => signals.emit('SIGINT'), 5);
      },
    });
    expect(result.interrupted).toBe('SIGINT');
    expect(result.cleanup?.status).toBe('incomplete');
    expect(result.cleanup?.left).toContain(`Backup velero/${result.backupName}`);
    expect(result.cleanup?.problems.join(' ')).toContain('--cleanup');
    expect(unlabelledMutations(cluster!.kube.mutations, runId)).toEqual([]);
    expect(JSON.stringify(result) + lines.join('\n')).not.toContain(CANARY_SECRET);
  });
});

const NIGHTLY = {
  apiVersion: 'velero.io/v1',
  kind: 'Backup',
  metadata: { name: 'daily-20260101030000', namespace: 'velero', labels: { 'velero.io/schedule-name': 'daily' } },
  spec: { includedNamespaces: ['*'], defaultVolumesToFsBackup: true, storageLocation: 'default', ttl: '720h0m0s' },
};

describe('runDrill — as Velero 1.14, 1.16 and 1.18 run it', () => {
  for (const version of ['1.14', '1.16', '1.18'] as const) {
    it(`${version}: passes; Backup and Restore carry the pod volume timeout; the restore helper is injected; restores/ and backups/ are gone from the bucket`, async () => {
      let seen: { backup?: KubeObject; restoredPod?: KubeObject; restoreKeys?: string[]; namespace?: KubeObject } = {};
      const { result, lines, runId } = await drill({
        scenario: { version },
        onLine: (line, c) => {
          if (line.startsWith('drill mark-source: started')) seen = { ...seen, backup: c.kube.get('Backup', result_backup(line, c), 'velero'), namespace: c.kube.get('Namespace', 'velero-verify-canary') };
          if (line.startsWith('drill verify: started')) {
            const restored = c.kube.list('Namespace').find((ns) => ns.metadata.name.startsWith('velero-verify-restored-'));
            seen = { ...seen, restoredPod: c.kube.get('Pod', 'canary-writer', restored?.metadata.name), restoreKeys: c.s3!.listKeys('restores/', { bucket: BUCKET }) };
          }
        },
      });
      expect(result.status).toBe('passed');
      const full = { '1.14': 'v1.14.1', '1.16': 'v1.16.2', '1.18': 'v1.18.1' }[version];
      expect(result.velero?.version).toBe(full);
      expect(result.velero?.rules.join('\n')).toContain(version === '1.18' ? 'backups are queued' : 'one backup at a time');
      expect(seen.backup?.metadata.annotations).toMatchObject({ 'velero.io/pod-volume-timeout': '15s' /* 3/4 of the test plan's 20s */, 'velero-verify/expires-at': expect.any(String) });
      // The restore helper: 1.14/1.15 pull velero-restore-helper, 1.16+ reuse the server image.
      const helper = (seen.restoredPod?.spec as { initContainers: Array<{ name: string; image: string }> }).initContainers[0];
      expect(helper).toMatchObject({ name: 'restore-wait', image: version === '1.14' ? 'velero/velero-restore-helper:v1.14.1' : `docker.io/velero/velero:${full}` });
      expect(cluster!.kube.list('PodVolumeRestore', 'velero')).toEqual([]);
      // Pod Security: restricted where the helper meets it (1.16+), baseline on 1.14/1.15.
      expect(seen.namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe(version === '1.14' ? 'baseline' : 'restricted');
      // The Restore wrote restores/<name>/; the drill deleted the Restore first, so its finalizer removed it.
      expect(seen.restoreKeys?.some((key) => key.startsWith(`restores/${result.restoreName}/`))).toBe(true);
      expect(cluster!.s3!.listKeys('restores/', { bucket: BUCKET })).toEqual([]);
      expect(cluster!.s3!.listKeys('backups/', { bucket: BUCKET })).toEqual([]);
      const deletions = lines.filter((line) => /^deleting Restore|requesting deletion of Backup/.test(line) || line.includes('requesting deletion of Backup'));
      expect(deletions[0]).toMatch(/Restore/);
      // 1.14/1.15 name repositories with a random suffix; 1.16+ use <ns>-<bsl>-kopia.
      const repositories = cluster!.kube.list('BackupRepository', 'velero').map((r) => r.metadata.name);
      expect(repositories).toEqual([expect.stringMatching(version === '1.14' ? /^velero-verify-canary-default-kopia-[0-9a-f]{5}$/ : /^velero-verify-canary-default-kopia$/)]);
      // Kopia maintenance of the canary repository: hourly by default, set to the plan's 24h after first use.
      expect(cluster!.kube.list('BackupRepository', 'velero')[0].spec.maintenanceFrequency).toBe('24h');
      expect(result.repositoryMaintenance).toBe(`BackupRepository ${repositories[0]}: maintenanceFrequency 1h0m0s → 24h`);
      expectSafe(result, lines, runId);
    });
  }

  for (const version of ['1.14', '1.18'] as const) {
    it(`${version}: another Backup InProgress when the drill starts — the drill never creates its Backup while it runs and says why`, async () => {
      const { result, lines, runId } = await drill({
        scenario: { version },
        timeouts: { backup: '400ms' },
        before: (c) => c.reactor.submitBackup(NIGHTLY, { outcome: 'never' }),
      });
      expect(cluster!.kube.get('Backup', NIGHTLY.metadata.name, 'velero')?.status?.phase).toBe('InProgress');
      expect(result.failedStep).toBe('preflight');
      expect(result.reason).toContain(`Velero is busy with Backup ${NIGHTLY.metadata.name} (InProgress`);
      expect(result.reason).toContain('The drill did not create its Backup');
      expect(result.busyWith).toEqual([NIGHTLY.metadata.name]);
      expect(cluster!.kube.mutations.filter((m) => m.resource === 'backups.velero.io')).toEqual([]);
      expect(lines.some((line) => line.includes('waiting for Backup daily-20260101030000'))).toBe(true);
      expect(result.cleanup?.status).toBe('nothing-to-do');
      expectSafe(result, lines, runId);
    });
  }

  it('1.18: a running Backup that finishes within the wait — the drill creates its Backup only after it, and passes', async () => {
    const nightlyPhaseAtCreate: string[] = [];
    const { result, lines, runId } = await drill({
      scenario: { version: '1.18' },
      before: (c) => c.reactor.submitBackup(NIGHTLY, { durationMs: 300 }),
      onLine: (line, c) => {
        if (line.startsWith('drill backup: started')) nightlyPhaseAtCreate.push(String(c.kube.get('Backup', NIGHTLY.metadata.name, 'velero')?.status?.phase));
      },
    });
    expect(result.status).toBe('passed');
    expect(nightlyPhaseAtCreate).toEqual([expect.stringMatching(/^(Finalizing|Completed)$/)]);
    expectSafe(result, lines, runId);
  });

  it('1.18: a drill Backup Queued behind a Backup that started meanwhile fails "did not start" and is deleted at once (no wait)', async () => {
    const { result, lines, runId } = await drill({
      scenario: { version: '1.18' },
      timeouts: { backup: '400ms', deletion: '6s' },
      onLine: (line, c) => {
        if (line.startsWith('drill create-canary: started') && !c.kube.get('Backup', NIGHTLY.metadata.name, 'velero')) c.reactor.submitBackup(NIGHTLY, { outcome: 'never' });
      },
    });
    expect(result.failedStep).toBe('backup');
    expect(result.backupPhase).toBe('Queued');
    expect(result.reason).toContain('did not start within 400ms: Velero queued it behind another backup');
    expect(lines.some((line) => line.includes(`Backup velero/${result.backupName} was Queued (never started; nothing reached the bucket): deleted directly`))).toBe(true);
    expect(lines.some((line) => line.includes('waiting for it to finish before deleting it'))).toBe(false);
    expect(result.cleanup).toMatchObject({ status: 'done', left: [], bucketConfirmed: true });
    expect(cluster!.kube.mutations.some((m) => m.verb === 'delete' && m.resource === 'backups.velero.io' && m.name === result.backupName && m.status === 200)).toBe(true);
    expectSafe(result, lines, runId);
  });

  it('a Backup the Velero server never picks up (no phase) is deleted directly, and the message says the server never processed it', async () => {
    const { result, lines, runId } = await drill({ scenario: { backup: 'ignored' }, timeouts: { backup: '300ms', deletion: '300ms' } });
    expect(result.failedStep).toBe('backup');
    expect(result.reason).toContain('the Velero server never processed it (no phase): is the velero Deployment running? is the BackupStorageLocation Available?');
    expect(result.reason).not.toMatch(/PodVolumeBackup|hostPath/);
    expect(result.cleanup).toMatchObject({ status: 'done', left: [] });
    expect(result.cleanup?.problems.join(' ')).toContain('was never processed by the Velero server');
    expectSafe(result, lines, runId);
  });

  it('a stalled volume restore ends by Velero\'s own timeout (velero.io/pod-volume-timeout) inside the drill\'s window, with nothing left behind', async () => {
    const { result, lines, runId } = await drill({ scenario: { pvr: 'stall' }, timeouts: { restore: '2s' } });
    expect(result.failedStep).toBe('restore');
    // Velero ended it (PartiallyFailed), not the drill's deadline.
    expect(result.restorePhase).toBe('PartiallyFailed');
    expect(result.reason).not.toContain('did not reach the expected state');
    expect(cluster!.reactor.restoreError(result.restoreName!)).toBe('timed out waiting for all PodVolumeRestores to complete');
    expect(result.reason).toMatch(/PodVolumeRestore \S+ \(volume data\) is InProgress/);
    expect(result.podVolumeRestores).toEqual([expect.objectContaining({ volume: 'data', phase: 'InProgress' })]);
    expect(result.cleanup).toMatchObject({ status: 'done', left: [], bucketConfirmed: true });
    expect(cluster!.s3!.listKeys('restores/', { bucket: BUCKET })).toEqual([]);
    expectSafe(result, lines, runId);
  });

  it('1.14: the restore helper image cannot be pulled — Init:ImagePullBackOff and the image are named in the cause, PodVolumeRestores and the restored pod collected', async () => {
    const { result, lines, runId } = await drill({ scenario: { version: '1.14', helperImagePull: 'fails' }, timeouts: { restore: '2s' } });
    expect(result.failedStep).toBe('restore');
    expect(result.reason).toContain(`the restored pod ${result.targetNamespace}/canary-writer is stuck in Init:ImagePullBackOff: Velero's restore helper image velero/velero-restore-helper:v1.14.1 cannot be pulled`);
    expect(result.podVolumeRestores).toEqual([expect.objectContaining({ volume: 'data', phase: 'New' })]);
    const refs = result.diagnostics?.objects.map((o) => o.ref) ?? [];
    expect(refs).toContain(`Pod ${result.targetNamespace}/canary-writer`);
    expect(refs.some((ref) => ref.startsWith('PodVolumeRestore velero/'))).toBe(true);
    expect(result.diagnostics?.objects.find((o) => o.ref === `Pod ${result.targetNamespace}/canary-writer`)?.yaml).toMatch(/restore-wait[\s\S]*ImagePullBackOff/);
    expect(result.cleanup).toMatchObject({ status: 'done', left: [] });
    expectSafe(result, lines, runId);
  });
});

/** The drill's Backup name, read from the cluster while a step runs. */
function result_backup(_line: string, c: FakeCluster): string {
  return c.kube.list('Backup', 'velero').find((b) => b.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE)?.metadata.name ?? '';
}

describe('runDrill — leftovers of earlier runs', () => {
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  const leftover = (kind: 'Namespace' | 'Backup', name: string, run: string, createdAt: string, extra: Record<string, unknown> = {}) =>
    kind === 'Namespace'
      ? { apiVersion: 'v1', kind, metadata: { name, labels: runLabels(run), creationTimestamp: createdAt }, status: { phase: 'Active' } }
      : { apiVersion: 'velero.io/v1', kind, metadata: { name, namespace: 'velero', labels: runLabels(run), creationTimestamp: createdAt }, spec: { includedNamespaces: ['velero-verify-canary'] }, ...extra };

  it('sweeps the leftovers of a run past its deadline (only labelled objects), says what was swept, and runs; a run still within its deadline is not touched', async () => {
    const { result, lines, runId } = await drill({
      before: (c) => {
        c.kube.put(leftover('Namespace', 'velero-verify-canary', 'old1', daysAgo(3)));
        c.kube.put(leftover('Namespace', 'velero-verify-restored-old1', 'old1', daysAgo(3)));
        c.kube.put(leftover('Backup', 'velero-verify-old1', 'old1', daysAgo(3), { status: { phase: 'Completed', startTimestamp: daysAgo(3), completionTimestamp: daysAgo(3) } }));
        c.kube.put(leftover('Namespace', 'velero-verify-restored-busy1', 'busy1', new Date().toISOString()));
      },
    });
    expect(result.status).toBe('passed');
    expect(result.swept?.runs).toEqual(['old1']);
    expect(result.swept?.deleted).toEqual(expect.arrayContaining(['Namespace velero-verify-canary', 'Namespace velero-verify-restored-old1', expect.stringMatching(/^Backup velero\/velero-verify-old1 \(DeleteBackupRequest/)]));
    expect(lines.some((line) => line.startsWith('drill preflight: swept ') && line.includes('of expired run(s) old1'))).toBe(true);
    expect(cluster!.kube.get('Namespace', 'velero-verify-restored-busy1')?.metadata.deletionTimestamp).toBeUndefined();
    expect(cluster!.kube.get('Backup', 'velero-verify-old1', 'velero')).toBeUndefined();
    // Every change touched this run's objects or the expired run's — nothing else (busy1 included).
    expect(unlabelledMutations(cluster!.kube.mutations).filter((m) => m.labels?.[RUN_ID_LABEL] !== 'old1')).toEqual([]);
    expect(cluster!.kube.mutations.some((m) => m.labels?.[RUN_ID_LABEL] === 'busy1')).toBe(false);
    expect(leftovers(cluster!.kube, runId)).toEqual([]);
    expect(JSON.stringify(result) + lines.join('\n')).not.toContain(CANARY_SECRET);
  });

  it('the sweep decides with the injected clock: a leftover is swept once the clock is past its expires-at annotation', async () => {
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    const kept = await drill({
      timeouts: { backup: '300ms' },
      before: (c) => c.kube.put({ ...leftover('Namespace', 'velero-verify-canary', 'kept1', new Date().toISOString()), metadata: { name: 'velero-verify-canary', labels: runLabels('kept1'), annotations: { 'velero-verify/expires-at': expires } } }),
    });
    expect(kept.result.failedStep).toBe('preflight');
    expect(kept.result.reason).toContain('run kept1');
    const later = await drillOn(cluster!, { options: { now: () => Date.parse(expires) + 1 } });
    expect(later.result.swept?.runs).toEqual(['kept1']);
    expect(later.result.status).toBe('passed');
    expect(leftovers(cluster!.kube, later.runId)).toEqual([]);
  });
});
