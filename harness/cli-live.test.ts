/**
 * `npm run audit` end to end against a live (fake) cluster, run exactly as a user runs it: the CLI
 * as a child process (`tsx harness/cli.ts --kubeconfig … --s3-endpoint … --config … --report-dir …`)
 * against the fake Kubernetes API server (HTTPS on loopback, with its scripted Velero) and the
 * fake S3 (loopback), both started here. The cluster holds a complete healthy plan install
 * (fixtures/doubles/healthy-install.ts). Checked: exit codes, the plan's summary line, the report
 * files, the safety contract (docs/architecture.md §5: only labelled objects mutated, nothing left, read-only
 * means GET only) and that no planted secret reaches any output.
 *
 * The scenarios are independent (one fake cluster each) and run concurrently: each CLI run
 * spends most of its time starting tsx and the spec run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it, type ExpectStatic } from 'vitest';
import { stringify as toYaml } from 'yaml';
import type { AuditReport } from './report/model.ts';
import { REPO_ROOT } from './schema/reference.ts';
import { BUCKET, CANARY_ACCESS_KEY, CANARY_REPO_PASSWORD, CANARY_SECRET, leftovers, startFakeCluster, unlabelledMutations, type FakeCluster } from '../fixtures/doubles/fake-kube-setup.ts';
import type { ReactorScenario } from '../fixtures/doubles/velero-reactor/scenario.ts';
import { withLoopbackGuard } from '../fixtures/setup/loopback-guard.mjs';

const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const CLI = join(REPO_ROOT, 'harness', 'cli.ts');
const RUN_DEADLINE_MS = 240_000;
const TEST_TIMEOUT_MS = 300_000;

/** A server log that prints the credentials: diagnostics that tail it must redact them. */
const LEAKY_LOG = `time="2026-11-25T03:00:01Z" level=error msg="config" aws_access_key_id=${CANARY_ACCESS_KEY} aws_secret_access_key=${CANARY_SECRET}\n`;
const PLANTED = [CANARY_SECRET, CANARY_ACCESS_KEY, CANARY_REPO_PASSWORD].flatMap((value) => [value, Buffer.from(value).toString('base64')]);

const workDirs: string[] = [];
const clusters: FakeCluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((cluster) => cluster.stop()));
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

interface Workspace {
  dir: string;
  /** An empty home: no ~/.kube/config to fall back on. */
  home: string;
  config: string;
  reportDir: string;
}

/** A working directory with the plan file: the fake S3 is the plan's MinIO, drill timeouts tiny. */
function workspace(cluster?: FakeCluster): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'cli-live-'));
  workDirs.push(dir);
  const home = join(dir, 'home');
  mkdirSync(home);
  const config = join(dir, 'velero-verify.yaml');
  // storage.s3Url: the BSL points at the loopback fake, so the plan says so (must.s3-target then
  // compares every other storage field with the plan's defaults as it would on the homelab).
  const plan = {
    ...(cluster?.s3 ? { storage: { s3Url: cluster.s3.endpoint } } : {}),
    drill: { dataSizeBytes: 65_536, timeouts: { podReady: '60s', backup: '60s', restore: '60s', deletion: '60s' } },
  };
  writeFileSync(config, toYaml(plan));
  return { dir, home, config, reportDir: join(dir, 'reports') };
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI as a user would, with a clean environment (no KUBECONFIG, AWS_*, VELERO_VERIFY_*). */
function runCli(args: string[], ws: Workspace): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [CLI, ...args], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH ?? '', HOME: ws.home, TMPDIR: tmpdir(), LANG: 'C.UTF-8', NODE_OPTIONS: withLoopbackGuard(undefined) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not finish within ${RUN_DEADLINE_MS} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, RUN_DEADLINE_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function healthyCluster(scenario: ReactorScenario = {}): Promise<FakeCluster> {
  // Pods and namespaces take a moment to go, as on a real cluster, so the harness's watches see them go.
  const cluster = await startFakeCluster({ healthyInstall: true, scenario: { veleroLog: LEAKY_LOG, ...scenario }, fake: { podGraceMs: 200, namespaceFinalizeMs: 200 } });
  clusters.push(cluster);
  return cluster;
}

function liveArgs(cluster: FakeCluster, ws: Workspace, ...extra: string[]): string[] {
  return ['--kubeconfig', cluster.kubeconfigPath, '--s3-endpoint', cluster.s3!.endpoint, '--config', ws.config, '--report-dir', ws.reportDir, ...extra];
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

interface ReportFiles {
  json: AuditReport;
  texts: Record<'audit.md' | 'audit.json' | 'audit.xml', string>;
}

function readReport(ws: Workspace): ReportFiles {
  const texts = {
    'audit.md': readFileSync(join(ws.reportDir, 'audit.md'), 'utf8'),
    'audit.json': readFileSync(join(ws.reportDir, 'audit.json'), 'utf8'),
    'audit.xml': readFileSync(join(ws.reportDir, 'audit.xml'), 'utf8'),
  };
  return { json: JSON.parse(texts['audit.json']) as AuditReport, texts };
}

function expectNothingPlanted(expect: ExpectStatic, outputs: Record<string, string>): void {
  for (const [where, text] of Object.entries(outputs)) {
    for (const value of PLANTED) expect(text.includes(value), `${where} contains a planted secret`).toBe(false);
  }
}

/** Every object that existed before the run, at the same resourceVersion: nothing of the install was touched. */
function versions(cluster: FakeCluster): Map<string, string | undefined> {
  return new Map(cluster.kube.all().map((object) => [`${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`, object.metadata.resourceVersion]));
}

/** PVs provisioned for the drill's claims (the canary and restore namespaces): the provisioner deletes them with the claims (reclaim policy Delete). */
function runVolumes(cluster: FakeCluster, drill: { sourceNamespace?: string; targetNamespace?: string }): string[] {
  const namespaces = [drill.sourceNamespace, drill.targetNamespace].filter(Boolean);
  return cluster.kube
    .list('PersistentVolume')
    .filter((pv) => namespaces.includes((pv.spec as { claimRef?: { namespace?: string } }).claimRef?.namespace))
    .map((pv) => pv.metadata.name);
}

function itemsNotPassed(report: AuditReport): string[] {
  return report.items.filter((item) => item.status !== 'pass').map((item) => `${item.id}: ${item.status} — ${item.reason}`);
}

describe.concurrent('npm run audit against a live (fake) cluster', () => {
  it(
    'approves a complete healthy install: drill passes, every item passes, only labelled objects touched, nothing left, no secret printed',
    async ({ expect }) => {
      const cluster = await healthyCluster();
      const ws = workspace(cluster);
      const before = versions(cluster);

      const run = await runCli(liveArgs(cluster, ws), ws);

      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(lastLine(run.stdout)).toBe('Backup [PASS] | Restore [PASS] | VERDICT: APPROVE');
      const { json, texts } = readReport(ws);
      expect(json.verdict).toBe('APPROVE');
      expect(itemsNotPassed(json)).toEqual([]);
      expect(json.target.kind).toBe('cluster');
      expect(json.cluster).toMatchObject({ context: 'fake', server: cluster.kube.url, veleroVersion: 'v1.18.1' });
      expect(json.drill).toMatchObject({ status: 'passed', cleanup: { status: 'done', bucketConfirmed: true } });
      // The judges saw the whole install: the drill backup as the manual one, the schedule's latest backup.
      const dataInBucket = json.items.find((item) => item.id === 'dod.data-in-bucket')!;
      expect(dataInBucket.reason).toContain(json.drill!.backupName!);
      expect(dataInBucket.reason).toContain(cluster.healthy!.scheduledBackup);
      expect(json.items.find((item) => item.id === 'beyond.freshness')!.reason).toContain(cluster.healthy!.scheduledBackup);
      expect(texts['audit.md']).toContain('## Restore drill');
      expect(texts['audit.md']).toContain(`Backup \`${json.drill!.backupName}\`: Completed`);
      expect(texts['audit.xml']).toContain('<testsuites');

      // Safety contract (docs/architecture.md §5).
      const runId = json.runId;
      const mutations = cluster.kube.mutations;
      expect(mutations.some((m) => m.verb === 'create' && m.resource === 'backups.velero.io')).toBe(true);
      expect(unlabelledMutations(mutations, runId)).toEqual([]);
      expect(leftovers(cluster.kube, runId)).toEqual([]);
      expect(cluster.s3!.listKeys(`backups/${json.drill!.backupName}/`, { bucket: BUCKET })).toEqual([]);
      const after = versions(cluster);
      const changed = [...before].filter(([key, version]) => after.get(key) !== version).map(([key]) => key);
      expect(changed).toEqual([]);
      // What stays, as with a real Velero: the canary namespace's Kopia BackupRepository (and its
      // kopia/<ns>/ blobs) — Velero never deletes a repository with the backups (docs/velero-facts.md §1), and
      // the harness may not delete an object it did not label.
      const drillRepository = `${json.drill!.sourceNamespace}-default-kopia`;
      expect(after.has(`BackupRepository velero/${drillRepository}`)).toBe(true);
      expect([...after.keys()].filter((key) => !before.has(key))).toEqual([`BackupRepository velero/${drillRepository}`]);

      expectNothingPlanted(expect, { stdout: run.stdout, stderr: run.stderr, ...texts });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '--read-only approves the same install with GET requests only; the restore is NOT RUN by the flag',
    async ({ expect }) => {
      const cluster = await healthyCluster();
      const ws = workspace(cluster);

      const run = await runCli(liveArgs(cluster, ws, '--read-only'), ws);

      // harness/report/model.ts: --read-only opts out of the drill, so the skipped restore does not
      // block APPROVE; any other required item not verified on a live cluster would.
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(lastLine(run.stdout)).toBe('Backup [PASS] | Restore [NOT RUN: --read-only] | VERDICT: APPROVE');
      const { json, texts } = readReport(ws);
      expect(json.verdict).toBe('APPROVE');
      expect(json.drill).toBeUndefined();
      expect(itemsNotPassed(json)).toEqual([expect.stringMatching(/^beyond\.restore: skip — /)]);
      expect(json.items.find((item) => item.id === 'beyond.restore')!.reason).toMatch(/read-only/i);
      // Without a drill the manual backup is the plan's own `verification-test`.
      expect(json.items.find((item) => item.id === 'dod.manual-backup')!.reason).toContain(cluster.healthy!.manualBackup!);
      expect(json.items.find((item) => item.id === 'beyond.restore')!.skipKind).toBe('opted-out');
      expect(json.verdictReasons.join(' ')).toContain('except those switched off by a flag (NOT RUN)');

      expect(cluster.kube.mutations).toEqual([]);
      expect(cluster.kube.requests.length).toBeGreaterThan(0);
      expect(cluster.kube.requests.filter((request) => request.method !== 'GET')).toEqual([]);
      expect(cluster.s3!.requests.filter((request) => request.method !== 'GET' && request.method !== 'HEAD')).toEqual([]);
      expectNothingPlanted(expect, { stdout: run.stdout, stderr: run.stderr, ...texts });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'rejects when the drill backup ends PartiallyFailed, still cleans up, and prints no secret from the diagnostics',
    async ({ expect }) => {
      const cluster = await healthyCluster({ backup: 'PartiallyFailed' });
      const ws = workspace(cluster);

      const run = await runCli(liveArgs(cluster, ws), ws);

      expect(run.code, run.stdout + run.stderr).toBe(1);
      // The drill stops at the backup: the restore never ran, so it cannot pass.
      expect(lastLine(run.stdout)).toBe('Backup [FAIL] | Restore [FAIL] | VERDICT: REJECT');
      const { json, texts } = readReport(ws);
      expect(json.verdict).toBe('REJECT');
      expect(json.items.find((item) => item.id === 'dod.manual-backup')!.reason).toContain('PartiallyFailed');
      expect(json.drill).toMatchObject({ status: 'failed', cleanup: { status: 'done' } });
      expect(json.verdictReasons.some((reason) => reason.startsWith('Required item dod.manual-backup failed'))).toBe(true);

      const runId = json.runId;
      expect(unlabelledMutations(cluster.kube.mutations, runId)).toEqual([]);
      expect(leftovers(cluster.kube, runId)).toEqual([]);
      expect(runVolumes(cluster, json.drill!)).toEqual([]);
      expect(cluster.s3!.listKeys(`backups/${json.drill!.backupName}/`, { bucket: BUCKET })).toEqual([]);
      expectNothingPlanted(expect, { stdout: run.stdout, stderr: run.stderr, ...texts });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'exits 2 with one line on stderr and no report when there is no kubeconfig',
    async ({ expect }) => {
      const ws = workspace();
      const run = await runCli(['--config', ws.config, '--report-dir', ws.reportDir], ws);
      expect(run.code).toBe(2);
      expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^velero-verify: No kubeconfig found: --kubeconfig was not given, KUBECONFIG is not set and .*\.kube\/config does not exist\./)]);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(ws.reportDir)).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'exits 2 with one line on stderr, no request and no report for an unknown context',
    async ({ expect }) => {
      const cluster = await healthyCluster();
      const ws = workspace(cluster);
      const run = await runCli(liveArgs(cluster, ws, '--context', 'homelab'), ws);
      expect(run.code).toBe(2);
      expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^velero-verify: The context "homelab" \(--context\) is not defined in the kubeconfig .*fake/)]);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(ws.reportDir)).toBe(false);
      expect(cluster.kube.requests).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '--cleanup after a --keep run removes the kept objects, says which, and touches nothing else',
    async ({ expect }) => {
      const cluster = await healthyCluster();
      const ws = workspace(cluster);
      const before = versions(cluster);

      const kept = await runCli(liveArgs(cluster, ws, '--keep'), ws);
      expect(kept.code, kept.stdout + kept.stderr).toBe(0);
      const { json } = readReport(ws);
      const drill = json.drill!;
      expect(drill).toMatchObject({ status: 'passed', cleanup: { status: 'kept' } });
      const runId = json.runId;
      const keptObjects = leftovers(cluster.kube, runId);
      expect(keptObjects).toEqual(
        expect.arrayContaining([`Namespace ${drill.sourceNamespace}`, `Namespace ${drill.targetNamespace}`, `Backup velero/${drill.backupName}`, `Restore velero/${drill.restoreName}`]),
      );
      expect(cluster.s3!.listKeys(`backups/${drill.backupName}/`, { bucket: BUCKET }).length).toBeGreaterThan(0);
      expect(runVolumes(cluster, drill).length).toBeGreaterThan(0);

      const cleanupDir = join(ws.dir, 'cleanup-reports');
      const cleanup = await runCli(['--cleanup', '--kubeconfig', cluster.kubeconfigPath, '--s3-endpoint', cluster.s3!.endpoint, '--config', ws.config, '--report-dir', cleanupDir], ws);

      expect(cleanup.code, cleanup.stdout + cleanup.stderr).toBe(0);
      const removed = cleanup.stdout.slice(cleanup.stdout.indexOf('Removed '));
      expect(removed).toMatch(/^Removed \d+ leftover object\(s\):/);
      for (const name of [drill.sourceNamespace!, drill.targetNamespace!, drill.backupName!, drill.restoreName!]) expect(removed).toContain(name);
      expect(cleanup.stdout).not.toContain('Not removed:');
      expect(existsSync(cleanupDir)).toBe(false);

      expect(leftovers(cluster.kube, runId)).toEqual([]);
      expect(runVolumes(cluster, drill)).toEqual([]);
      expect(cluster.s3!.listKeys(`backups/${drill.backupName}/`, { bucket: BUCKET })).toEqual([]);
      // Both runs together touched only velero-verify's objects; the install is as it was.
      expect(unlabelledMutations(cluster.kube.mutations)).toEqual([]);
      const after = versions(cluster);
      expect([...before].filter(([key, version]) => after.get(key) !== version).map(([key]) => key)).toEqual([]);
      expectNothingPlanted(expect, { keepStdout: kept.stdout, keepStderr: kept.stderr, cleanupStdout: cleanup.stdout, cleanupStderr: cleanup.stderr });
    },
    TEST_TIMEOUT_MS,
  );
});
