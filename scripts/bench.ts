/**
 * Benchmark: what an audit costs on a large cluster, as ratios measured in one run (ratios mean the
 * same on any machine; absolute times do not). Sizes: the healthy homelab plus 5,000 scheduled
 * Backups with 10 PodVolumeBackups each and 500 extra pods (fixtures/snapshots/large.ts), and
 * that doubled. Every audit runs as a user runs it, `npm run audit -- …` in a child process, so
 * process start is included; peak memory is the largest resident set of any process of the run.
 *
 * - P1: `--snapshot` of the capture as `kubectl get -o json` writes it, against a process that only
 *   `JSON.parse`s the file; the same as `-o yaml`, against the fastest YAML parse (js-yaml); the
 *   doubled capture against the single one.
 * - P2: a live `--read-only` audit against the loopback API double (fixtures/doubles/fake-kube.ts)
 *   seeded with the same state, and with only the healthy homelab: API requests, time, memory.
 *
 * - Triage: a 200 MB Velero server log through the snapshot target's reader against `readline`
 *   alone (scripts/bench-triage.ts; target ≤ 3×).
 *
 * Run: `npm run bench` (about a few minutes; needs ~1 GB of memory and ~0.5 GB in the temp dir).
 * Targets (docs/performance.md): P1 ≤ 3× time, doubling ≤ 2.3×, memory ≤ 2×; P2 ≤ 40 requests,
 * large ≤ 2× small in time and memory.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { parse as parseYamlLibrary } from 'yaml';
import { REPO_ROOT } from '../harness/schema/reference.ts';
import type { KubeObject } from '../harness/state.ts';
import { kubectlJson, kubectlYaml, LARGE_STATE, largeStateObjects, type LargeStateSize } from '../fixtures/snapshots/large.ts';
import { healthyAppObjects, healthyVeleroObjects } from '../fixtures/snapshots/model.ts';
import { FakeKube } from '../fixtures/doubles/fake-kube.ts';
import { FakeS3 } from '../fixtures/doubles/fake-s3.ts';
import { benchLogTriage } from './bench-triage.ts';

const RSS_PROBE = join(REPO_ROOT, 'scripts', 'bench-rss.mjs');
const FIXTURE_ACCESS_KEY = 'FAKE-FIXTURE-ACCESS-KEY';
const FIXTURE_SECRET_KEY = 'fake-fixture-secret-key-not-real';
const BUCKET = 'homelab-backup-velero';

interface Measured {
  seconds: number;
  /** CPU seconds of every node process of the run: steadier than wall time on a busy machine. */
  cpuSeconds: number;
  /** Peak RSS in MB of the largest process of the run. */
  peakMb: number;
  code: number | null;
  stderr: string;
}

/** Run a command to completion; time it and record the peak RSS of every node process it starts. */
async function measure(command: string, args: string[], work: string): Promise<Measured> {
  const rssFile = join(work, `rss-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(rssFile, '');
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${RSS_PROBE}`.trim(), BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = (performance.now() - started) / 1000;
  const records = readFileSync(rssFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => line.split(' ').map(Number));
  const cpuSeconds = records.reduce((sum, record) => sum + (record[2] ?? 0), 0) / 1e6;
  return { seconds, cpuSeconds, peakMb: Math.max(...records.map((record) => record[1])) / 1024, code, stderr };
}

async function audit(args: string[], work: string, what: string): Promise<Measured> {
  const reports = join(work, 'reports');
  rmSync(reports, { recursive: true, force: true });
  const measured = await measure('npm', ['run', '--silent', 'audit', '--', ...args, '--report-dir', reports], work);
  // Exit 0 (APPROVE) or 1 (REJECT) with a report is an audit that ran; anything else is a broken bench.
  if ((measured.code !== 0 && measured.code !== 1) || !existsSync(join(reports, 'audit.json'))) throw new Error(`${what} exited ${measured.code}: ${measured.stderr.trim()}`);
  return measured;
}

async function parseOnly(file: string, parser: 'json' | 'js-yaml', work: string): Promise<Measured> {
  const script =
    parser === 'json'
      ? `JSON.parse(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`
      : `require('js-yaml').loadAll(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'), undefined, { schema: require('js-yaml').CORE_SCHEMA })`;
  const measured = await measure(process.execPath, ['-e', script], work);
  if (measured.code !== 0) throw new Error(`parsing ${file} with ${parser} exited ${measured.code}: ${measured.stderr.trim()}`);
  return measured;
}

const fastest = (a: Measured, b: Measured) => (a.seconds <= b.seconds ? a : b);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const verdict = (ok: boolean) => (ok ? 'ok' : 'OVER TARGET');

function describeSize(size: LargeStateSize): string {
  return `${size.backups.toLocaleString('en-US')} extra scheduled Backups × ${size.pvbsPerBackup} PodVolumeBackups, ${size.extraPods} extra pods`;
}

async function p1(work: string): Promise<void> {
  const double: LargeStateSize = { ...LARGE_STATE, backups: LARGE_STATE.backups * 2, extraPods: LARGE_STATE.extraPods * 2 };
  const files: Record<string, string> = {};
  for (const [name, size] of [['large', LARGE_STATE], ['double', double]] as const) {
    const objects = largeStateObjects(size);
    writeFileSync((files[`${name}.json`] = join(work, `${name}.json`)), kubectlJson(objects));
    if (name === 'large') writeFileSync((files['large.yaml'] = join(work, 'large.yaml')), kubectlYaml(objects));
  }
  const sizeOf = (file: string) => mb(readFileSync(file).length);
  console.log(`P1 — npm run audit -- --snapshot, ${describeSize(LARGE_STATE)}`);
  console.log(`  capture: ${sizeOf(files['large.json'])} as kubectl JSON, ${sizeOf(files['large.yaml'])} as kubectl YAML; doubled: ${sizeOf(files['double.json'])}`);

  // Each parse alone runs before and after its audit and the faster run counts: the first read of
  // a file just written can be slowed by the disk catching up, which would flatter the ratio.
  const jsonFirst = await parseOnly(files['large.json'], 'json', work);
  const auditJson = await audit(['--snapshot', files['large.json']], work, 'audit of the JSON capture');
  const json = fastest(jsonFirst, await parseOnly(files['large.json'], 'json', work));
  const yamlFirst = await parseOnly(files['large.yaml'], 'js-yaml', work);
  const auditYaml = await audit(['--snapshot', files['large.yaml']], work, 'audit of the YAML capture');
  const yamlParse = fastest(yamlFirst, await parseOnly(files['large.yaml'], 'js-yaml', work));
  const auditDouble = await audit(['--snapshot', files['double.json']], work, 'audit of the doubled capture');

  const timeJson = auditJson.seconds / json.seconds;
  const timeYaml = auditYaml.seconds / yamlParse.seconds;
  const growth = auditDouble.seconds / auditJson.seconds;
  const memory = auditJson.peakMb / json.peakMb;
  console.log(`  JSON: audit ${auditJson.seconds.toFixed(1)} s vs a process that only JSON.parses it ${json.seconds.toFixed(1)} s: ${ratio(auditJson.seconds, json.seconds)} (target ≤ 3×) ${verdict(timeJson <= 3)}`);
  console.log(`  YAML: audit ${auditYaml.seconds.toFixed(1)} s vs a process that only parses it with js-yaml ${yamlParse.seconds.toFixed(1)} s: ${ratio(auditYaml.seconds, yamlParse.seconds)} (target ≤ 3×) ${verdict(timeYaml <= 3)}`);
  console.log(`  CPU time (steadier on a busy machine): JSON ${ratio(auditJson.cpuSeconds, json.cpuSeconds)} (${auditJson.cpuSeconds.toFixed(1)} s vs ${json.cpuSeconds.toFixed(1)} s), YAML ${ratio(auditYaml.cpuSeconds, yamlParse.cpuSeconds)} (${auditYaml.cpuSeconds.toFixed(1)} s vs ${yamlParse.cpuSeconds.toFixed(1)} s), doubled ${ratio(auditDouble.cpuSeconds, auditJson.cpuSeconds)}`);
  console.log(`  growth: doubled state ${auditDouble.seconds.toFixed(1)} s: ${ratio(auditDouble.seconds, auditJson.seconds)} the time (target ≤ 2.3×) ${verdict(growth <= 2.3)}`);
  console.log(`  peak memory: audit ${auditJson.peakMb.toFixed(0)} MB vs JSON.parse only ${json.peakMb.toFixed(0)} MB: ${ratio(auditJson.peakMb, json.peakMb)} (target ≤ 2×) ${verdict(memory <= 2)}; YAML audit ${auditYaml.peakMb.toFixed(0)} MB, doubled ${auditDouble.peakMb.toFixed(0)} MB`);
}

/** The YAML parsers considered, on a tenth of the capture (the `yaml` library takes minutes on all of it). */
function yamlCandidates(): void {
  const text = kubectlYaml(largeStateObjects({ ...LARGE_STATE, backups: LARGE_STATE.backups / 10, extraPods: LARGE_STATE.extraPods / 10 }));
  const time = (parse: () => unknown) => {
    const started = performance.now();
    parse();
    return (performance.now() - started) / 1000;
  };
  const jsYaml = time(() => loadAll(text, undefined, { schema: CORE_SCHEMA }));
  const yamlLibrary = time(() => parseYamlLibrary(text, { uniqueKeys: false }));
  console.log(`YAML parsers on a tenth of the capture (${mb(text.length)}): js-yaml ${jsYaml.toFixed(2)} s, yaml ${yamlLibrary.toFixed(2)} s (${ratio(yamlLibrary, jsYaml)} slower)`);
}

async function p2(work: string): Promise<void> {
  const s3 = await new FakeS3().withBucket(BUCKET).withCredentials(FIXTURE_ACCESS_KEY, FIXTURE_SECRET_KEY).start();
  try {
    const runs: Array<{ name: string; objects: number; requests: number; measured: Measured }> = [];
    for (const [name, objects] of [
      ['healthy homelab', [...healthyVeleroObjects(), ...healthyAppObjects()]],
      ['large', largeStateObjects(LARGE_STATE)],
    ] as const) {
      const kube = await FakeKube.start();
      try {
        for (const object of objects) kube.put(object as KubeObject);
        const kubeconfig = join(work, `kubeconfig-${runs.length}`);
        writeFileSync(kubeconfig, kube.kubeconfig());
        const measured = await audit(['--read-only', '--kubeconfig', kubeconfig, '--s3-endpoint', s3.endpoint], work, `read-only audit of the ${name} cluster`);
        runs.push({ name, objects: objects.length, requests: kube.requests.length, measured });
      } finally {
        await kube.stop();
      }
    }
    const [small, large] = runs;
    console.log('P2 — npm run audit -- --read-only against the loopback API double');
    for (const run of runs) console.log(`  ${run.name} (${run.objects.toLocaleString('en-US')} objects): ${run.requests} API requests, ${run.measured.seconds.toFixed(1)} s (CPU ${run.measured.cpuSeconds.toFixed(1)} s), peak ${run.measured.peakMb.toFixed(0)} MB`);
    console.log(`  requests of the large cluster: ${large.requests} (target ≤ 40) ${verdict(large.requests <= 40)}`);
    console.log(`  large vs healthy: ${ratio(large.measured.seconds, small.measured.seconds)} the time (CPU ${ratio(large.measured.cpuSeconds, small.measured.cpuSeconds)}), ${ratio(large.measured.peakMb, small.measured.peakMb)} the memory (target ≤ 2× each) ${verdict(large.measured.seconds <= 2 * small.measured.seconds && large.measured.peakMb <= 2 * small.measured.peakMb)}`);
  } finally {
    await s3.stop();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'velero-verify-bench-'));
  try {
    await p1(work);
    yamlCandidates();
    await p2(work);
    await benchLogTriage();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('bench.ts')) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
