/**
 * The capture script: its kubectl half against a stub kubectl on PATH that prints canned YAML
 * (fixtures/doubles/stub-tools.ts), its bucket half against the loopback FakeS3 — never the BSL's
 * s3Url, which stays data. Most cases call `main()` in-process; one runs the real entry
 * (`node scripts/capture.mjs`) as a child process.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { scenarioObjects, scenarioState, startScenarioBucket } from '../fixtures/doubles/bucket-scenario.ts';
import type { StartedFakeS3 } from '../fixtures/doubles/fake-s3/types.ts';
import { createStubTools, type StubRule, type StubToolbox } from '../fixtures/doubles/stub-tools.ts';
import { CAPTURED_AT, type Obj } from '../fixtures/snapshots/homelab/metadata.ts';
import { FAKE_CREDENTIALS_FILE, FAKE_REPO_PASSWORD } from '../fixtures/snapshots/homelab/secrets.ts';
import { readBucketCapture } from '../harness/bucket/capture.ts';
import { summarizeSecret } from '../harness/collect/secrets.ts';
import { judgeRetention } from '../harness/judge/beyond-retention.ts';
import { judgeDataInBucket } from '../harness/judge/dod-data-in-bucket.ts';
import { judgeLanOnly } from '../harness/judge/guard-lan-only.ts';
import { defaultPlan } from '../harness/plan.ts';
import { REPO_ROOT } from '../harness/schema/reference.ts';
import type { KubeObject } from '../harness/state.ts';
import { collectSnapshot } from '../harness/targets/snapshot.ts';
import { CAPTURED_FACTS_ANNOTATION, main, reduceSecret } from './capture.ts';

const run = promisify(execFile);
const ENTRY = resolve(REPO_ROOT, 'scripts', 'capture.mjs');
const SECRET_VALUES = ['fake-fixture-secret-key-not-real', 'FAKE-FIXTURE-ACCESS-KEY', FAKE_REPO_PASSWORD];

let stubs: StubToolbox;
let out: string;
let s3: StartedFakeS3 | undefined;

beforeEach(() => {
  stubs = createStubTools(['kubectl']);
  out = join(mkdtempSync(join(tmpdir(), 'velero-verify-capture-test-')), 'snapshot');
});
afterEach(async () => {
  stubs.cleanup();
  rmSync(resolve(out, '..'), { recursive: true, force: true });
  await s3?.stop();
  s3 = undefined;
});

const list = (items: Obj[]) => toYaml({ apiVersion: 'v1', kind: 'List', items });

/** kubectl answers built from the healthy homelab model, one rule per capture query. */
function kubectlRules(objects: Obj[]): StubRule[] {
  const of = (...kinds: string[]) => objects.filter((o) => kinds.includes(o.kind));
  const veleroNs = (o: Obj) => o.metadata.namespace === 'velero';
  return [
    { tool: 'kubectl', match: 'backups.velero.io', stdout: list(objects.filter((o) => o.apiVersion.startsWith('velero.io/'))) },
    { tool: 'kubectl', match: 'deployments,daemonsets', stdout: list(of('Deployment', 'DaemonSet', 'Job', 'ConfigMap', 'Event').filter(veleroNs)) },
    { tool: 'kubectl', match: 'get secrets', stdout: list(of('Secret')) },
    { tool: 'kubectl', match: 'nodes,namespaces', stdout: list(of('Node', 'Namespace', 'PersistentVolume')) },
    { tool: 'kubectl', match: 'pods,persistentvolumeclaims', stdout: list(of('Pod', 'PersistentVolumeClaim', 'Service')) },
    { tool: 'kubectl', match: 'get ingresses', stdout: list([]) },
    { tool: 'kubectl', match: 'httproutes', exit: 1, stderr: 'error: the server doesn\'t have a resource type "httproutes"\n' },
  ];
}

async function captureInProcess(args: string[], options: { rules?: StubRule[]; env?: NodeJS.ProcessEnv; now?: () => Date } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    now: options.now,
    env: stubs.env({ rules: options.rules, extra: options.env }),
    cwd: resolve(out, '..'),
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

async function startBucket() {
  const plan = defaultPlan();
  const objects = scenarioObjects();
  const started = await startScenarioBucket(scenarioState(objects, plan), plan);
  s3 = started.s3;
  return { objects, endpoint: started.s3.endpoint };
}

function allText(dir: string): string {
  const files = (base: string): string[] =>
    readdirSync(base, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(base, entry.name)) : [join(base, entry.name)]));
  return files(dir)
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
}


/** Cases that run child processes take seconds, far longer on a busy machine; only a hang reaches this. */
const CHILD_PROCESS_CASES = { timeout: 240_000 };
describe('scripts/capture', CHILD_PROCESS_CASES, () => {
  it('captures cluster objects with get/list only, reduces Secrets, and captures the bucket', async () => {
    const { objects, endpoint } = await startBucket();
    const result = await captureInProcess(['--out', out, '--context', 'homelab', '--s3-endpoint', endpoint], { rules: kubectlRules(objects), now: () => new Date(CAPTURED_AT) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/bucket: homelab-backup-velero at http:\/\/127\.0\.0\.1:\d+: 2 backup\(s\), 2 Kopia repositories, \d+ request\(s\)/);

    const calls = stubs.calls();
    expect(calls).toHaveLength(7);
    for (const call of calls) {
      expect(call.args.slice(0, 3)).toEqual(['--context', 'homelab', 'get']);
      expect(call.args.slice(-2)).toEqual(['-o', 'yaml']);
    }
    expect(readdirSync(out).sort()).toEqual(['bucket', 'capture-log.txt', 'cluster.yaml', 'ingresses.yaml', 'pods.yaml', 'secrets.yaml', 'velero-verify', 'velero.yaml', 'workloads.yaml']);
    expect(JSON.parse(readFileSync(join(out, 'velero-verify', 'capture.json'), 'utf8'))).toEqual({ capturedAt: new Date(CAPTURED_AT).toISOString(), namespace: 'velero', context: 'homelab' });
    expect(readFileSync(join(out, 'capture-log.txt'), 'utf8')).toMatch(/httproutes\.yaml: .* failed: error: the server doesn't have a resource type "httproutes"/);

    // No secret value anywhere, in plain or base64 form.
    const text = allText(out);
    for (const value of SECRET_VALUES) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString('base64'));
    }
    expect(text).not.toContain(Buffer.from(FAKE_CREDENTIALS_FILE).toString('base64'));

    // The snapshot target reads it back: cluster objects and bucket, judged like a live run.
    const plan = defaultPlan();
    const state = await collectSnapshot(out, plan);
    expect(state.objects.backups).toHaveLength(3);
    expect(state).toMatchObject({ capturedAt: new Date(CAPTURED_AT).toISOString(), capturedAtSource: 'recorded' });
    expect(state.bucket?.backups.map((backup) => backup.name)).toEqual(['verification-test', 'velero-daily-20260615030000']);
    const context = { state, plan, target: 'snapshot' as const, now: new Date(CAPTURED_AT) };
    expect(judgeDataInBucket(context).status).toBe('pass');
    expect(judgeRetention(context).status).toBe('pass');
    expect(judgeLanOnly(context).status).toBe('pass');
    const credentials = state.objects.secrets.find((secret) => secret.name === 'velero-s3-credentials');
    expect(credentials?.keys).toEqual(['cloud']);
    expect(credentials?.credentialFiles?.cloud).toMatchObject({ parsed: true, hasAccessKeyId: true, hasSecretAccessKey: true });
  });

  it('reduces a Secret to metadata, key names, placeholders and yes/no facts', () => {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: 'velero-repo-credentials',
        namespace: 'velero',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"repository-password":"c3RhdGljLXBhc3N3MHJk"}}' },
      },
      data: { 'repository-password': Buffer.from('static-passw0rd').toString('base64'), cloud: Buffer.from('[default]\naws_access_key_id=minioadmin\naws_secret_access_key=minioadmin\n').toString('base64') },
    };
    const reduced = reduceSecret(secret, ['cloud']);
    const text = JSON.stringify(reduced);
    expect(text).not.toContain('static-passw0rd');
    expect(text).not.toContain('c3RhdGljLXBhc3N3MHJk');
    expect(text).not.toContain('minioadmin');
    expect(Object.keys(reduced.data as object).sort()).toEqual(['cloud', 'repository-password']);
    const cloud = Buffer.from((reduced.data as Record<string, string>).cloud, 'base64').toString('utf8');
    expect(cloud).toBe('[default]\naws_access_key_id=REDACTED-BY-VELERO-VERIFY\naws_secret_access_key=REDACTED-BY-VELERO-VERIFY\n');
    const facts = JSON.parse(reduced.metadata.annotations![CAPTURED_FACTS_ANNOTATION]);
    expect(facts).toMatchObject({ repositoryPasswordIsDefault: true, credentialFiles: { cloud: { hasAccessKeyId: true, hasSecretAccessKey: true, usesWellKnownDefaults: true } } });
    expect(summarizeSecret(reduced, { credentialKeys: ['cloud'] }).credentialFiles?.cloud).toMatchObject({ parsed: true, hasAccessKeyId: true, hasSecretAccessKey: true });
  });

  it('records a bucket it cannot read and still writes the cluster capture', async () => {
    const { objects, endpoint } = await startBucket();
    const result = await captureInProcess(['--out', out, '--s3-endpoint', endpoint], {
      rules: kubectlRules(objects),
      env: { AWS_ACCESS_KEY_ID: 'someone-else', AWS_SECRET_ACCESS_KEY: 'wrong-secret-value' },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: Cannot read bucket "homelab-backup-velero" .*InvalidAccessKeyId/);
    expect(readBucketCapture(join(out, 'bucket'))?.unreadable).toMatch(/InvalidAccessKeyId/);
    expect(allText(out)).not.toContain('wrong-secret-value');
    expect(existsSync(join(out, 'velero.yaml'))).toBe(true);
  });

  it('--no-bucket captures the cluster only', async () => {
    const result = await captureInProcess(['--out', out, '--no-bucket'], { rules: kubectlRules(scenarioObjects()) });
    expect(result.code).toBe(0);
    expect(existsSync(join(out, 'bucket'))).toBe(false);
    expect(parseYaml(readFileSync(join(out, 'velero.yaml'), 'utf8')).items.length).toBeGreaterThan(10);
  });

  it('fails with exit 1 when the cluster cannot be read, and 2 on usage errors', async () => {
    const unreachable = await captureInProcess(['--out', out], { rules: [{ tool: 'kubectl', exit: 1, stderr: 'The connection to the server localhost:8080 was refused\n' }] });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/the cluster could not be read \(every kubectl call failed/);
    expect((await captureInProcess([])).stderr).toMatch(/--out <dir> is required/);
    expect((await captureInProcess(['--out', out, '--timeout', 'soon'])).code).toBe(2);
    const bogus = await captureInProcess(['--bogus']);
    expect(bogus).toMatchObject({ code: 2, stderr: expect.stringMatching(/^capture: Unknown option '--bogus'[\s\S]*--out <dir>/) });
    const help = await captureInProcess(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '', stdout: expect.stringContaining('--out <dir>') });
  });

  it('runs as `node scripts/capture.mjs` with S3 credentials from the environment', async () => {
    const { objects, endpoint } = await startBucket();
    const env = stubs.env({
      rules: kubectlRules(objects),
      extra: { AWS_ACCESS_KEY_ID: 'FAKE-FIXTURE-ACCESS-KEY', AWS_SECRET_ACCESS_KEY: 'fake-fixture-secret-key-not-real', VELERO_VERIFY_S3_ENDPOINT: endpoint },
    });
    const { stdout, stderr } = await run(process.execPath, [ENTRY, '--out', out, '--namespace', 'velero'], { env, cwd: resolve(out, '..'), timeout: 120_000 });
    // stderr may carry Node/SDK deprecation notices; it must carry no capture warning and no secret
    expect(stderr).not.toMatch(/capture:/);
    expect(stderr + stdout).not.toContain('fake-fixture-secret-key-not-real');
    expect(stdout).toMatch(/Captured \d+ object\(s\) into .*snapshot\nbucket: homelab-backup-velero at http:\/\/127\.0\.0\.1/);
    expect(readBucketCapture(join(out, 'bucket'))?.backups).toHaveLength(2);
  });
});
