/**
 * Rehearsal of the first real kind run: `vitest run --project specs` (what `npm test` runs for
 * the kind tier) as a child process, with docker, kind, helm and kubectl replaced by recording
 * stand-ins on PATH (fixtures/doubles/kind-host.ts) and the loopback doubles behind them: the
 * Kubernetes API double with its scripted Velero (the cluster as it stands once Helm installed
 * Velero: fixtures/doubles/healthy-install.ts) and the S3 double as MinIO.
 *
 * Everything between the tools and the report is the real code: prerequisites, kind create,
 * MinIO with the docker CLI, the bucket and its lifecycle through the S3 API, the deploy (both
 * Secrets, Helm), the BSL wait, the live audit with the restore drill, the specs, the audit
 * reporter, and teardown — on success, on failure and on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { FakeKube } from '../../fixtures/doubles/fake-kube.ts';
import { FakeS3 } from '../../fixtures/doubles/fake-s3.ts';
import type { StartedFakeS3 } from '../../fixtures/doubles/fake-s3/types.ts';
import { BUCKET, CANARY_ACCESS_KEY, CANARY_REPO_PASSWORD, CANARY_SECRET } from '../../fixtures/doubles/fake-kube-setup.ts';
import { seedHealthyInstall } from '../../fixtures/doubles/healthy-install.ts';
import { createKindHost, KIND_NODE_ADDRESS, MINIO_CONTAINER_ID, type KindHost } from '../../fixtures/doubles/kind-host.ts';
import { VeleroReactor } from '../../fixtures/doubles/velero-reactor.ts';
import { DeployError, deployVelero } from '../deploy/deploy.ts';
import { parsePlan } from '../plan.ts';
import type { AuditReport } from '../report/model.ts';
import { REPO_ROOT } from '../schema/reference.ts';
import { DEFAULT_MINIO_IMAGE } from './object-store.ts';
import { KIND_CONFIG } from './settings.ts';
import { processAlive } from '../../fixtures/doubles/stub-tools.ts';

const VITEST = join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const RUN_DEADLINE_MS = 150_000;
const TEST_TIMEOUT_MS = 180_000;
const CLUSTER_ADDRESS = `http://${KIND_NODE_ADDRESS}:9000`;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

let kube: FakeKube;
let s3Builder: FakeS3;
let s3: StartedFakeS3;
let host: KindHost;
let work: string;
let registerMinio: NodeJS.Timeout;

beforeEach(async () => {
  // Pods and namespaces take a moment to go, as on a real cluster.
  kube = await FakeKube.start({ podGraceMs: 200, namespaceFinalizeMs: 200 });
  s3Builder = new FakeS3().withBucket(BUCKET).withCredentials(CANARY_ACCESS_KEY, CANARY_SECRET);
  s3 = await s3Builder.start();
  const reactor = new VeleroReactor(kube, { credentials: { accessKeyId: CANARY_ACCESS_KEY, secretAccessKey: CANARY_SECRET }, s3, bucket: BUCKET });
  await seedHealthyInstall(reactor, { repositoryPassword: CANARY_REPO_PASSWORD });
  // Helm configured the location with MinIO's address on kind's network (the values carry it).
  kube.update('BackupStorageLocation', 'default', 'velero', (bsl) => {
    (bsl.spec as { config: Record<string, string> }).config.s3Url = CLUSTER_ADDRESS;
  });
  host = createKindHost({ kubeconfigTemplate: kube.kubeconfig({ context: '__CONTEXT__' }), s3Port: s3.port, nodeBinDir: dirname(process.execPath) });
  // MinIO serves with the root credentials it was started with: once the `docker run` stand-in
  // has them, the S3 double accepts them (until then the tier's readiness probe is refused).
  registerMinio = setInterval(() => {
    const root = host.minioRoot();
    if (!root) return;
    s3Builder.withCredentials(root.user, root.password);
    clearInterval(registerMinio);
  }, 25);
  work = mkdtempSync(join(tmpdir(), 'velero-verify-rehearsal-'));
  mkdirSync(join(work, 'home'));
  // The merge gate's plan (fixtures/kind/velero-verify.yaml) with drill deadlines for a test.
  const gatePlan = parseYaml(readFileSync(join(REPO_ROOT, 'fixtures', 'kind', 'velero-verify.yaml'), 'utf8'));
  writeFileSync(
    join(work, 'velero-verify.yaml'),
    toYaml({ ...gatePlan, drill: { dataSizeBytes: 65_536, timeouts: { podReady: '15s', backup: '15s', restore: '15s', deletion: '15s' } } }),
  );
});

afterEach(async () => {
  clearInterval(registerMinio);
  const hung = host.hung();
  for (const pid of hung ?? []) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  host.cleanup();
  await kube.stop();
  await s3.stop();
  rmSync(work, { recursive: true, force: true });
});

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** `vitest run --project specs` as `npm test` runs it, with the stand-ins on PATH; `onStart` may signal it. */
function runKindTier(extraEnv: NodeJS.ProcessEnv = {}, onStart?: (child: ReturnType<typeof spawn>) => void): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITEST, 'run', '--project', 'specs'], {
      cwd: REPO_ROOT,
      env: host.env({
        HOME: join(work, 'home'),
        TMPDIR: work,
        LANG: 'C.UTF-8',
        CI: '1',
        VELERO_VERIFY_CONFIG: join(work, 'velero-verify.yaml'),
        VELERO_VERIFY_REPORT_DIR: join(work, 'reports'),
        ...extraEnv,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the kind tier did not finish within ${RUN_DEADLINE_MS} ms:\n${output}`));
    }, RUN_DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
    onStart?.(child);
  });
}

function report(): AuditReport {
  return JSON.parse(readFileSync(join(work, 'reports', 'audit.json'), 'utf8')) as AuditReport;
}

function reportTexts(): string {
  return ['audit.md', 'audit.json', 'audit.xml'].map((name) => readFileSync(join(work, 'reports', name), 'utf8')).join('\n');
}

/** What the tier ran, in order, with the run's names generalised. */
function expectedSequence(): Array<string | ReturnType<typeof expect.stringMatching>> {
  const cluster = 'velero-verify-(\\d{8}-\\d{6}-[a-z0-9]{4})';
  const kubectl = `kubectl --kubeconfig (\\S+)/kubeconfig --context kind-${cluster}`;
  const helmRepos = '--repository-config (\\S+)/helm/repositories\\.yaml --repository-cache \\S+/helm/repository-cache';
  return [
    'docker info --format {{.ServerVersion}}',
    'kind version',
    'helm version --short',
    'kubectl version --client',
    'kind get clusters',
    expect.stringMatching(new RegExp(`^kind create cluster --name ${cluster} --config ${escape(KIND_CONFIG)} --kubeconfig \\S+/kubeconfig --wait 5m$`)),
    expect.stringMatching(
      new RegExp(
        `^docker run --detach --name velero-verify-minio-\\S+ --network kind --publish 127\\.0\\.0\\.1::9000 --label app\\.kubernetes\\.io/managed-by=velero-verify --label velero-verify/run-id=\\S+ --env MINIO_ROOT_USER --env MINIO_ROOT_PASSWORD ${escape(DEFAULT_MINIO_IMAGE)} server /data$`,
      ),
    ),
    `docker port ${MINIO_CONTAINER_ID} 9000/tcp`,
    `docker inspect --format {{(index .NetworkSettings.Networks "kind").IPAddress}} ${MINIO_CONTAINER_ID}`,
    expect.stringMatching(new RegExp(`^${kubectl} apply -f -$`)),
    expect.stringMatching(new RegExp(`^${kubectl} get secret velero-repo-credentials --namespace velero -o name$`)),
    expect.stringMatching(new RegExp(`^${kubectl} create -f -$`)),
    expect.stringMatching(new RegExp(`^helm repo add vmware-tanzu https://vmware-tanzu\\.github\\.io/helm-charts ${helmRepos}$`)),
    expect.stringMatching(new RegExp(`^helm repo update vmware-tanzu ${helmRepos}$`)),
    expect.stringMatching(
      new RegExp(
        `^helm upgrade --install velero vmware-tanzu/velero --version 12\\.1\\.0 --namespace velero --create-namespace --values \\S+/values\\.yaml --wait --timeout 10m --kubeconfig \\S+/kubeconfig --kube-context kind-${cluster} ${helmRepos}$`,
      ),
    ),
    expect.stringMatching(new RegExp(`^${kubectl} --namespace velero wait backupstoragelocation/default --for=jsonpath=\\{\\.status\\.phase\\}=Available --timeout=3m$`)),
  ];
}

const TEARDOWN = [
  `docker rm --force --volumes ${MINIO_CONTAINER_ID}`,
  expect.stringMatching(/^kind delete cluster --name velero-verify-\S+ --kubeconfig \S+\/kubeconfig$/),
];

describe('the kind tier, rehearsed with stand-ins for docker, kind, helm and kubectl', () => {
  it(
    'creates the cluster, starts MinIO, applies the lifecycle, deploys, runs the specs, reports APPROVE, tears down, exits 0',
    async () => {
      const run = await runKindTier();

      expect(run.code, run.output).toBe(0);
      expect(run.output).toMatch(/Backup \[PASS\] \| Restore \[PASS\] \| VERDICT: APPROVE/);
      const json = report();
      expect(json.verdict).toBe('APPROVE');
      expect(json.target.kind).toBe('kind');
      expect(json.items.filter((item) => item.severity === 'required' && item.status !== 'pass').map((item) => `${item.id}: ${item.reason}`)).toEqual([]);
      expect(json.items.filter((item) => item.status === 'fail')).toEqual([]);

      // Exact commands, in order; then teardown, container first.
      const lines = host.commandLines();
      expect(lines).toEqual([...expectedSequence(), ...TEARDOWN]);
      expect(host.clusters()).toEqual([]);

      // MinIO: published on 127.0.0.1 only, root credentials from the environment, never in argv.
      const root = host.minioRoot()!;
      expect(root.password).toMatch(/^[\w-]{32}$/);
      const dockerRun = host.calls().find((call) => call.tool === 'docker' && call.args[0] === 'run')!;
      expect(dockerRun.minioEnv).toEqual(['MINIO_ROOT_PASSWORD', 'MINIO_ROOT_USER']);

      // The bucket got the plan's lifecycle, and beyond.retention judged what it read back.
      const lifecycle = s3.requests.filter((request) => request.operation === 'PutBucketLifecycleConfiguration');
      expect(lifecycle).toHaveLength(1);
      const stored = await fetchLifecycle();
      expect(stored).toMatch(/<Prefix>backups\/<\/Prefix>/);
      expect(stored).toMatch(/<Days>32<\/Days>/);
      const retention = json.items.find((item) => item.id === 'beyond.retention')!;
      expect(retention.reason).toMatch(/^Lifecycle rules do not reach kopia\//);
      expect(retention.evidence.join('\n')).toMatch(/velero-verify-plan-1/);

      // Helm got the plan's values with MinIO's address on kind's network.
      const upgrade = host.calls().find((call) => call.tool === 'helm' && call.args[0] === 'upgrade')!;
      const values = parseYaml(upgrade.values!);
      expect(values.configuration.backupStorageLocation[0]).toMatchObject({ bucket: BUCKET, config: { s3Url: CLUSTER_ADDRESS, s3ForcePathStyle: 'true' } });
      expect(values.initContainers[0].image).toBe('docker.io/velero/velero-plugin-for-aws:v1.14.4');
      expect(values.credentials).toEqual({ useSecret: true, existingSecret: 'velero-s3-credentials' });

      // The repository password Secret was created before the chart, random, on stdin only.
      const create = host.calls().find((call) => call.tool === 'kubectl' && call.args.includes('create'))!;
      expect(create.secret).toEqual({
        name: 'velero-repo-credentials',
        namespace: 'velero',
        keys: ['repository-password'],
        annotations: { 'velero-verify/created-by': 'deploy (random Kopia repository password)' },
        isDefaultPassword: false,
      });
      expect(lines.indexOf(lines.find((line) => line.endsWith('create -f -'))!)).toBeLessThan(lines.findIndex((line) => line.startsWith('helm upgrade')));

      // Helm's repository list lived in the run's work directory, never in $HOME.
      expect(readdirSync(join(work, 'home'))).toEqual([]);

      // No secret in any argv, the output or the report.
      const everything = [JSON.stringify(host.calls()), run.output, reportTexts()].join('\n');
      for (const secret of [root.password, CANARY_SECRET, CANARY_REPO_PASSWORD]) expect(everything.includes(secret), 'a secret leaked').toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a failing helm upgrade fails npm test with Helm\'s words, and teardown removes container and cluster',
    async () => {
      const run = await runKindTier({ STANDIN_FAIL: JSON.stringify({ match: 'helm upgrade', exit: 1, stderr: 'Error: UPGRADE FAILED: pre-upgrade hooks failed\n' }) });

      expect(run.code).not.toBe(0);
      expect(run.output).toMatch(/The kind tier failed while deploying Velero with Helm: helm upgrade --install velero failed \(helm said: Error: UPGRADE FAILED: pre-upgrade hooks failed\)/);
      expect(run.output).not.toMatch(/VERDICT: APPROVE/);
      const lines = host.commandLines();
      const upgradeAt = lines.findIndex((line) => line.startsWith('helm upgrade'));
      expect(lines.slice(upgradeAt + 1)).toEqual(TEARDOWN);
      expect(host.clusters()).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'Ctrl-C during a hung helm upgrade stops its whole process group and removes container and cluster',
    async () => {
      const run = await runKindTier({ STANDIN_HANG: 'helm upgrade' }, (child) => {
        const poll = setInterval(() => {
          if (!host.hung()) return;
          clearInterval(poll);
          child.kill('SIGINT');
        }, 50);
        child.on('close', () => clearInterval(poll));
      });

      expect(run.code).not.toBe(0);
      expect(run.output).not.toMatch(/VERDICT: APPROVE/);
      const [helmPid, helmChildPid] = host.hung()!;
      // helm and the process it started, both deaf to SIGTERM, are gone.
      await vi.waitFor(
        () => {
          expect(processAlive(helmPid!)).toBe(false);
          expect(processAlive(helmChildPid!)).toBe(false);
        },
        { timeout: 15_000, interval: 100 },
      );
      // Removal is handed to detached processes (vitest exits right after a signal): they finish on their own.
      await vi.waitFor(
        () => {
          const lines = host.commandLines();
          const upgradeAt = lines.findIndex((line) => line.startsWith('helm upgrade'));
          expect(lines.slice(upgradeAt + 1)).toEqual(expect.arrayContaining(TEARDOWN));
          expect(host.clusters()).toEqual([]);
        },
        { timeout: 15_000, interval: 100 },
      );
      expect(run.output).toMatch(/SIGINT received: stopping; cleaning up in the background: docker rm --force --volumes c0ffee\S+; kind delete cluster --name velero-verify-/);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('the same stand-ins, in process', () => {
  it('a helm --wait that hangs past its deadline is killed with the process it started, and the deploy says so', async () => {
    const attempt = deployVelero({
      plan: parsePlan({}),
      context: 'kind-rehearsal',
      credentials: { accessKeyId: 'AKIAREHEARSAL', secretAccessKey: 'rehearsal-secret-not-real' },
      timeout: '1s',
      killGraceMs: 200,
      env: host.env({ HOME: join(work, 'home'), STANDIN_HANG: 'helm upgrade' }),
    });
    await expect(attempt).rejects.toThrow(DeployError);
    await expect(attempt).rejects.toThrow(/^helm upgrade --install did not finish within 1s \(--timeout\): the Velero pods did not become ready in time/);
    const [helmPid, helmChildPid] = host.hung()!;
    expect(processAlive(helmPid!)).toBe(false);
    await vi.waitFor(() => expect(processAlive(helmChildPid!)).toBe(false), { timeout: 5_000, interval: 50 });
  });
});

/** The lifecycle document the S3 double holds for the bucket (as MinIO would serve it). */
async function fetchLifecycle(): Promise<string> {
  const { S3Client, GetBucketLifecycleConfigurationCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint: s3.endpoint, region: 'minio', forcePathStyle: true, credentials: { accessKeyId: CANARY_ACCESS_KEY, secretAccessKey: CANARY_SECRET } });
  try {
    const answer = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }));
    return (answer.Rules ?? []).map((rule) => `<Prefix>${rule.Filter?.Prefix ?? ''}</Prefix><Days>${rule.Expiration?.Days ?? ''}</Days>`).join('');
  } finally {
    client.destroy();
  }
}
