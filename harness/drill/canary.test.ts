/**
 * The canary manifests and scripts. The pod scripts are run here with the local POSIX sh (the same
 * `yes`, `head -c`, `sha256sum` busybox provides), so the checksum the drill expects is proven to
 * be the one the writer prints, and the verifier really sees the marker.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crdProblems } from '../schema/crds.ts';
import { AuditInputError } from '../errors.ts';
import {
  backupManifest,
  canaryLine,
  deleteBackupRequestManifest,
  drillNames,
  expectedCanarySha256,
  isOurs,
  MARKER_SCRIPT,
  namespaceManifest,
  parseCanaryLog,
  podManifest,
  podVolumeTimeout,
  pvcManifest,
  restoreManifest,
  VERIFIER_SCRIPT,
  WRITER_SCRIPT,
} from './canary.ts';
import { testPlan } from '../../fixtures/doubles/fake-kube-setup.ts';
import { newRunId } from '../run-context.ts';

const hasTools = ['sh', 'yes', 'head', 'sha256sum'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function env(dataDir: string, namespace: string, runId: string, bytes: number): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, DATA_DIR: dataDir, POD_NAMESPACE: namespace, CANARY_SOURCE_NAMESPACE: 'velero-verify-canary', CANARY_LINE: canaryLine(runId), CANARY_BYTES: String(bytes) };
}

/** Run the writer (which then sleeps forever) until it prints its line, then stop it. */
function runWriter(environment: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', WRITER_SCRIPT], { env: environment });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer printed nothing useful: ${out}`));
    }, 10_000);
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('\n')) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve(out.trim());
      }
    });
  });
}

function run(script: string, environment: NodeJS.ProcessEnv): string {
  const result = spawnSync('sh', ['-c', script], { env: environment, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`script failed: ${result.stderr}`);
  return result.stdout.trim();
}

describe('canary scripts (run with the local sh)', () => {
  it.skipIf(!hasTools)('writer prints the sha256 the drill computes locally; verifier agrees; marker is seen only after it is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canary-'));
    dirs.push(dir);
    const bytes = 100_000; // not a multiple of the line length: head -c cuts mid-line
    const expected = expectedCanarySha256('r1', bytes);
    const writer = parseCanaryLog(await runWriter(env(dir, 'velero-verify-canary', 'r1', bytes)), 'writer');
    expect(writer?.fields.sha256).toBe(expected);
    expect(existsSync(join(dir, 'canary.bin.tmp'))).toBe(false);

    const before = parseCanaryLog(run(VERIFIER_SCRIPT, env(dir, 'velero-verify-restored-r1', 'r1', bytes)), 'verifier');
    expect(before?.fields).toEqual({ sha256: expected, bytes: String(bytes), marker: 'absent' });
    expect(parseCanaryLog(run(MARKER_SCRIPT, env(dir, 'velero-verify-canary', 'r1', bytes)), 'marker')).toBeDefined();
    const after = parseCanaryLog(run(VERIFIER_SCRIPT, env(dir, 'velero-verify-restored-r1', 'r1', bytes)), 'verifier');
    expect(after?.fields.marker).toBe('present');
    // A restarted writer does not rewrite existing data.
    expect(parseCanaryLog(await runWriter(env(dir, 'velero-verify-canary', 'other-run', bytes)), 'writer')?.fields.sha256).toBe(expected);
  });

  it.skipIf(!hasTools)('a restored copy of the writer never writes: with no data it reports "missing"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canary-'));
    dirs.push(dir);
    const line = parseCanaryLog(await runWriter(env(dir, 'velero-verify-restored-r1', 'r1', 1000)), 'restored-copy');
    expect(line?.fields.sha256).toBe('missing');
    expect(existsSync(join(dir, 'canary.bin'))).toBe(false);
    expect(parseCanaryLog(run(VERIFIER_SCRIPT, env(dir, 'x', 'r1', 1000)), 'verifier')?.fields).toEqual({ sha256: 'missing', bytes: '0', marker: 'absent' });
  });

  it('expectedCanarySha256 streams the same bytes as one buffer would', async () => {
    const { createHash } = await import('node:crypto');
    for (const bytes of [1, 29, 65_536, 200_003]) {
      const whole = Buffer.alloc(bytes, `${canaryLine('abc')}\n`);
      expect(expectedCanarySha256('abc', bytes)).toBe(createHash('sha256').update(whole).digest('hex'));
    }
  });

  it('parseCanaryLog takes the last line of the role and ignores other output', () => {
    const log = 'noise\nvelero-verify role=verifier sha256=aaa marker=present\nvelero-verify role=writer sha256=bbb\nvelero-verify role=verifier sha256=ccc bytes=3 marker=absent\n';
    expect(parseCanaryLog(log, 'verifier')).toEqual({ role: 'verifier', fields: { sha256: 'ccc', bytes: '3', marker: 'absent' } });
    expect(parseCanaryLog(log, 'marker')).toBeUndefined();
  });
});

describe('canary manifests', () => {
  const plan = testPlan({ drill: { storageClassName: 'longhorn' } });
  const names = drillNames(plan, '20260101-030000-ab12');

  it('the canary namespace is stable per plan; the restore namespace, Backup and Restore are per run', () => {
    expect(names).toEqual({
      runId: '20260101-030000-ab12',
      veleroNamespace: 'velero',
      sourceNamespace: 'velero-verify-canary',
      targetNamespace: 'velero-verify-restored-20260101-030000-ab12',
      backup: 'velero-verify-20260101-030000-ab12',
      restore: 'velero-verify-20260101-030000-ab12-restore',
    });
    const other = drillNames(plan, '20260102-030000-cd34');
    expect(other.sourceNamespace).toBe(names.sourceNamespace);
    for (const key of ['targetNamespace', 'backup', 'restore'] as const) expect(other[key]).not.toBe(names[key]);
    expect(drillNames(testPlan({ drill: { namespacePrefix: 'drill' } }), 'r1')).toMatchObject({ sourceNamespace: 'drill-canary', targetNamespace: 'drill-restored-r1', backup: 'drill-r1', restore: 'drill-r1-restore' });
  });

  it('with the default run id format every per-run name fits a DNS label; prefixes that do not are refused', () => {
    const runId = newRunId(new Date('2026-12-31T23:59:59.999Z'));
    const longest = drillNames(testPlan(), runId);
    for (const name of [longest.sourceNamespace, longest.targetNamespace, longest.backup, longest.restore]) {
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(name.length).toBeLessThanOrEqual(63);
    }
    // The target `<prefix>-restored-<runId>` is the longest name: 63 - 10 - 20 = 33 characters of prefix fit.
    expect(runId).toHaveLength(20);
    expect(drillNames(testPlan({ drill: { namespacePrefix: 'a'.repeat(33) } }), runId).targetNamespace).toHaveLength(63);
    expect(() => drillNames(testPlan({ drill: { namespacePrefix: 'a'.repeat(34) } }), runId)).toThrow(/at most 33 characters/);
    expect(() => drillNames(testPlan({ drill: { namespacePrefix: 'a'.repeat(56) } }), 'r1')).toThrow(AuditInputError);
    expect(() => drillNames(plan, 'bad run id')).toThrow(AuditInputError);
    expect(() => drillNames(plan, 'Run_1')).toThrow(/run id of lower-case letters/);
  });

  it('Backup, Restore and DeleteBackupRequest validate against the real Velero CRDs', () => {
    const backup = backupManifest(plan, names);
    const restore = restoreManifest(plan, names);
    const request = deleteBackupRequestManifest(names, names.backup, 'uid-1');
    for (const object of [backup, restore, request]) expect(crdProblems(object)).toEqual([]);
    expect(backup.spec).toMatchObject({ includedNamespaces: [names.sourceNamespace], defaultVolumesToFsBackup: true, snapshotVolumes: false, storageLocation: 'default' });
    expect(restore.spec).toMatchObject({ backupName: names.backup, includedNamespaces: [names.sourceNamespace], namespaceMapping: { [names.sourceNamespace]: names.targetNamespace } });
    expect(request.metadata).toMatchObject({ generateName: `${names.backup}-`, labels: { 'velero.io/backup-name': names.backup, 'velero.io/backup-uid': 'uid-1' } });
    expect(request.metadata.name).toBeUndefined();
  });

  it('Backup and Restore carry velero.io/pod-volume-timeout below the drill deadlines, as Go durations', () => {
    const tenMinutes = testPlan({}, { backup: '10m', restore: '8m' });
    expect(backupManifest(tenMinutes, names).metadata.annotations).toEqual({ 'velero.io/pod-volume-timeout': '450s' });
    expect(restoreManifest(tenMinutes, names).metadata.annotations).toEqual({ 'velero.io/pod-volume-timeout': '360s' });
    expect(podVolumeTimeout(6_000)).toBe('4500ms');
    expect(podVolumeTimeout(100)).toBe('1000ms');
  });

  it('canary pods meet Pod Security restricted; namespaces are labelled for the level they meet', () => {
    const pod = podManifest(plan, names, 'writer', names.sourceNamespace);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
    expect(pod.spec.volumes.every((volume: { hostPath?: unknown }) => !volume.hostPath)).toBe(true);
    expect(namespaceManifest('ns', 'r1', 'restricted').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' });
    expect(namespaceManifest('ns', 'r1', 'baseline').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/audit': 'restricted' });
  });

  it('labels everything it creates with managed-by and the run id', () => {
    const objects = [backupManifest(plan, names), restoreManifest(plan, names), deleteBackupRequestManifest(names, names.backup, undefined), pvcManifest(plan, names), podManifest(plan, names, 'writer', names.sourceNamespace)];
    for (const object of objects) expect(isOurs(object, names.runId)).toBe(true);
    expect(isOurs(backupManifest(plan, names), 'another-run')).toBe(false);
    expect(isOurs({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labels: { 'velero-verify/run-id': names.runId } } })).toBe(false);
  });

  it('the PVC asks for a local PV (volumeType: local) in the configured storage class; the verifier mounts read-only', () => {
    const pvc = pvcManifest(plan, names);
    expect(pvc.metadata.annotations).toEqual({ volumeType: 'local' });
    expect(pvc.spec).toMatchObject({ storageClassName: 'longhorn', accessModes: ['ReadWriteOnce'] });
    expect((pvcManifest(testPlan(), names).spec as Record<string, unknown>).storageClassName).toBeUndefined();
    const verifier = podManifest(plan, names, 'verifier', names.targetNamespace) as any;
    expect(verifier.spec.containers[0].volumeMounts[0].readOnly).toBe(true);
    expect(verifier.spec.automountServiceAccountToken).toBe(false);
    expect(verifier.spec.containers[0].image).toBe(plan.drill.image);
  });
});
