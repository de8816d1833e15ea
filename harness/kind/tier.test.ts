/**
 * The kind tier without Docker: prerequisites against stub executables on PATH, and the whole
 * setup/teardown sequence with stub kind/kubectl/helm/docker, a substitute object store (no
 * container can start here), the real bucket creation against a loopback S3 double, the real
 * deploy code, and a recorded audit. Every call lands in one ordered log.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createStubTools, type StubRule, type StubToolbox } from '../../fixtures/doubles/stub-tools.ts';
import type { BucketState } from '../bucket/types.ts';
import { buildState } from '../collect/objects.ts';
import { parsePlan } from '../plan.ts';
import type { RunContext } from '../run-context.ts';
import type { ClusterAuditOptions } from '../targets/cluster.ts';
import { createBucket, DEFAULT_MINIO_IMAGE, type ObjectStoreOptions, type StartedObjectStore } from './object-store.ts';
import { KIND_CONFIG, keepModeOf } from './settings.ts';
import { KindTierError, setupKindTier } from './tier.ts';
import { kindPlan } from './tier-context.ts';
import type { ContextProvider, KindTierDeps } from './tier-deps.ts';

// ---------------------------------------------------------------------------------------------
// Loopback S3 double: enough of CreateBucket to exercise the real @aws-sdk/client-s3 call.

interface S3Double {
  endpoint: string;
  requests: Array<{ method: string; url: string; authorization: string }>;
  respond: { status: number; body: string };
  close(): Promise<void>;
}

async function startS3Double(log?: (entry: object) => void): Promise<S3Double> {
  const double: Partial<S3Double> = { requests: [], respond: { status: 200, body: '' } };
  const server: Server = createServer((request: IncomingMessage, response) => {
    request.resume();
    request.on('end', () => {
      double.requests!.push({ method: request.method ?? '', url: request.url ?? '', authorization: String(request.headers.authorization ?? '') });
      log?.({ tool: 's3', args: [request.method, request.url] });
      response.writeHead(double.respond!.status, { 'content-type': 'application/xml', 'x-amz-request-id': 'test' });
      response.end(double.respond!.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  double.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  double.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return double as S3Double;
}

const s3Error = (code: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>test</RequestId></Error>`;

// ---------------------------------------------------------------------------------------------

let stubs: StubToolbox;
let s3: S3Double;
let work: string;
let provided: Record<string, unknown>;
let logLines: string[];
let auditCalls: ClusterAuditOptions[];
let storeStarts: ObjectStoreOptions[];
let detached: string[][];

const project = { provide: (key: string, value: unknown) => (provided[key] = value) } as unknown as ContextProvider;
const FIXED_NOW = new Date('2026-07-01T10:00:00Z');

function record(entry: object): void {
  appendFileSync(join(stubs.dir, 'calls.log'), `${JSON.stringify(entry)}\n`);
}

function fakeStore(options: ObjectStoreOptions): StartedObjectStore {
  storeStarts.push(options);
  record({ tool: 'minio', args: ['start', options.image, options.network] });
  return {
    hostEndpoint: s3.endpoint,
    // Data only: the address Velero would use inside kind; nothing connects to it here.
    clusterEndpoint: 'http://172.18.0.9:9000',
    credentials: { accessKeyId: 'velero-verify-abc123', secretAccessKey: 'not-a-real-minio-password' },
    description: `MinIO ${options.image} (container 0123456789ab)`,
    containerId: '0123456789abcdef',
    stop: async () => record({ tool: 'minio', args: ['stop'] }),
  };
}

/** What the audit reads from a bucket it could read (nothing in it yet). */
function readableBucket(bucket: string): BucketState {
  return { version: 1, endpoint: s3.endpoint, bucket, prefix: '', collectedAt: FIXED_NOW.toISOString(), backups: [], kopia: { repositories: [] }, anonymous: [], requestCount: 3, notes: [] };
}

function deps(options: { rules?: StubRule[]; env?: NodeJS.ProcessEnv; signals?: EventEmitter; audit?: KindTierDeps['audit'] } = {}): Partial<KindTierDeps> {
  const planFile = join(work, 'velero-verify.yaml');
  return {
    env: stubs.env({ rules: options.rules, extra: { VELERO_VERIFY_CONFIG: planFile, ...options.env } }),
    startObjectStore: async (storeOptions) => fakeStore(storeOptions),
    audit:
      options.audit ??
      (async (auditOptions) => {
        auditCalls.push(auditOptions);
        record({ tool: 'audit', args: [auditOptions.context, auditOptions.readOnly ? 'read-only' : 'drill'] });
        const state = buildState([], { source: { target: 'kind', description: 'test' }, namespace: auditOptions.plan.namespace, credentialKeys: ['cloud'] });
        state.bucket = readableBucket(auditOptions.plan.storage.bucket);
        return {
          state,
          drill: { status: 'passed', runId: auditOptions.runId, steps: [] },
          backupName: `velero-verify-${auditOptions.runId}`,
        };
      }),
    log: (line) => logLines.push(line),
    now: () => FIXED_NOW,
    signals: options.signals ?? new EventEmitter(),
    spawnDetached: (argv) => detached.push(argv),
    tmpRoot: work,
  };
}

beforeEach(async () => {
  stubs = createStubTools(['kubectl', 'helm', 'kind', 'docker']);
  s3 = await startS3Double((entry) => record(entry));
  work = mkdtempSync(join(tmpdir(), 'velero-verify-tier-test-'));
  // No lifecycle here: this S3 double only answers CreateBucket (the rehearsal test applies one).
  writeFileSync(join(work, 'velero-verify.yaml'), 'storage:\n  bucket: kind-tier-bucket\nretention:\n  bucketLifecycle: []\n');
  provided = {};
  logLines = [];
  auditCalls = [];
  storeStarts = [];
  detached = [];
});
afterEach(async () => {
  stubs.cleanup();
  await s3.close();
  rmSync(work, { recursive: true, force: true });
});

const run = () => provided.run as RunContext;

describe('prerequisites: NOT RUN with the missing piece named', () => {
  it('docker CLI present but no engine: notRun names the Docker engine and docker\'s own error', async () => {
    const teardown = await setupKindTier(
      project,
      deps({ rules: [{ tool: 'docker', match: 'info', exit: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n' }] }),
    );
    expect(teardown).toBeUndefined();
    expect(run().target).toBe('kind');
    expect(run().notRun).toMatch(/^the kind tier needs Docker engine, which is not available here — Docker engine: the docker CLI is installed but `docker info` cannot reach an engine \(Cannot connect to the Docker daemon/);
    expect(run().notRun).toMatch(/See docs\/kind-tier\.md\.$/);
    expect(run().state).toBeUndefined();
    expect(stubs.commandLines().some((line) => line.startsWith('kind create'))).toBe(false);
  });

  it('kind missing: notRun names kind and how to install it', async () => {
    stubs.cleanup();
    stubs = createStubTools(['kubectl', 'helm', 'docker']);
    await setupKindTier(project, deps());
    expect(run().notRun).toMatch(/needs kind, which is not available here — kind: not on PATH: install kind v0\.31\.0 or newer/);
    expect(run().notRun).not.toMatch(/Docker engine|helm/);
    expect(run().toolVersions).toMatchObject({ docker: '27.3.1', helm: 'v3.19.0+g3d8990f' });
  });

  it('helm missing: notRun names helm', async () => {
    stubs.cleanup();
    stubs = createStubTools(['kubectl', 'kind', 'docker']);
    await setupKindTier(project, deps());
    expect(run().notRun).toMatch(/needs helm, which is not available here — helm: not on PATH: install Helm 3/);
  });

  it('nothing installed: every missing prerequisite is listed', async () => {
    stubs.cleanup();
    stubs = createStubTools([]);
    await setupKindTier(project, deps());
    expect(run().notRun).toMatch(/^the kind tier needs Docker engine, kind, helm and kubectl, which are not available here/);
    expect(run().notRun).toMatch(/Docker engine: the docker CLI is not on PATH/);
  });

  it('a kind tool that fails its version probe counts as missing', async () => {
    await setupKindTier(project, deps({ rules: [{ tool: 'kind', match: 'version', exit: 1, stderr: 'exec format error\n' }] }));
    expect(run().notRun).toMatch(/kind: `kind version` failed/);
  });

  it('a broken plan file does not hide the NOT RUN reason', async () => {
    writeFileSync(join(work, 'velero-verify.yaml'), 'schedule:\n  ttl: forever\n');
    stubs.cleanup();
    stubs = createStubTools([]);
    await setupKindTier(project, deps());
    expect(run().notRun).toMatch(/Docker engine/);
  });
});

describe('setup and teardown with every prerequisite present (stub tools)', () => {
  const EXPECTED_SETUP = [
    'docker info --format {{.ServerVersion}}',
    'kind version',
    'helm version --short',
    'kubectl version --client',
    'kind get clusters',
    expect.stringMatching(new RegExp(`^kind create cluster --name velero-verify-20260701-100000-[a-z0-9]{4} --config ${KIND_CONFIG.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} --kubeconfig \\S+/kubeconfig --wait 5m$`)),
    `minio start ${DEFAULT_MINIO_IMAGE} kind`,
    'PUT /kind-tier-bucket/',
    expect.stringMatching(/^kubectl --kubeconfig \S+\/kubeconfig --context kind-velero-verify-\S+ apply -f -$/),
    expect.stringMatching(/^kubectl --kubeconfig \S+\/kubeconfig --context kind-velero-verify-\S+ get secret velero-repo-credentials --namespace velero -o name$/),
    expect.stringMatching(/^helm repo add vmware-tanzu https:\/\/vmware-tanzu\.github\.io\/helm-charts --repository-config \S+ --repository-cache \S+$/),
    expect.stringMatching(/^helm repo update vmware-tanzu --repository-config \S+ --repository-cache \S+$/),
    expect.stringMatching(/^helm upgrade --install velero vmware-tanzu\/velero --version 12\.1\.0 --namespace velero --create-namespace --values \S+ --wait --timeout 10m --kubeconfig \S+\/kubeconfig --kube-context kind-velero-verify-\S+ --repository-config \S+ --repository-cache \S+$/),
    expect.stringMatching(/^kubectl --kubeconfig \S+ --context kind-velero-verify-\S+ --namespace velero wait backupstoragelocation\/default --for=jsonpath=\{\.status\.phase\}=Available --timeout=3m$/),
    expect.stringMatching(/^audit kind-velero-verify-\S+ drill$/),
  ];

  const lines = () => stubs.commandLines().map((line) => line.replace(/^s3 /, ''));

  it('creates the cluster, starts MinIO, creates the bucket, deploys, audits, and provides the kind context', async () => {
    const teardown = await setupKindTier(project, deps());
    expect(lines()).toEqual(EXPECTED_SETUP);
    expect(typeof teardown).toBe('function');

    const context = run();
    expect(context.notRun).toBeUndefined();
    expect(context.target).toBe('kind');
    expect(context.runId).toMatch(/^20260701-100000-[a-z0-9]{4}$/);
    expect(context.plan.storage.s3Url).toBe('http://172.18.0.9:9000');
    expect(context.plan.storage.bucket).toBe('kind-tier-bucket');
    expect(context.state).toBeDefined();
    expect(context.drill?.status).toBe('passed');
    expect(context.backupName).toBe(`velero-verify-${context.runId}`);
    expect(context.targetDescription).toMatch(/^kind cluster velero-verify-\S+ with MinIO quay\.io\/minio\/minio:RELEASE\.2025-09-07T16-13-09Z/);
    expect(context.toolVersions).toMatchObject({
      docker: '27.3.1',
      kind: 'kind v0.31.0 go1.24.6 linux/amd64',
      helm: 'v3.19.0+g3d8990f',
      minio: DEFAULT_MINIO_IMAGE,
      'kind node image': expect.stringMatching(/^kindest\/node:v1\.33\.7@sha256:/),
      'velero chart': '12.1.0',
    });

    // The audit gets the plan Velero really runs, the drill on, and the host-side S3 endpoint.
    expect(auditCalls).toHaveLength(1);
    expect(auditCalls[0]).toMatchObject({ readOnly: false, keep: false, runId: context.runId, context: `kind-velero-verify-${context.runId}` });
    expect(auditCalls[0].plan.storage.s3Url).toBe('http://172.18.0.9:9000');
    expect(auditCalls[0].env?.VELERO_VERIFY_S3_ENDPOINT).toBe(s3.endpoint);
    expect(auditCalls[0].env?.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(storeStarts[0]).toMatchObject({ network: 'kind', runId: context.runId });

    // Velero gets the MinIO address on the kind network; the values file carried it.
    const upgrade = stubs.calls().find((call) => call.args[0] === 'upgrade')!;
    expect(parseYaml(upgrade.values!).configuration.backupStorageLocation[0].config.s3Url).toBe('http://172.18.0.9:9000');

    // The bucket was created through a signed S3 request with the store's credentials.
    expect(s3.requests[0]).toMatchObject({ method: 'PUT', url: '/kind-tier-bucket/' });
    expect(s3.requests[0].authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=velero-verify-abc123\//);

    // The MinIO password reached kubectl on stdin only: not the log, argv or the run context.
    const password = 'not-a-real-minio-password';
    expect(logLines.join('\n').includes(password)).toBe(false);
    expect(stubs.calls().some((call) => call.args.join(' ').includes(password))).toBe(false);
    expect(JSON.stringify(context).includes(password)).toBe(false);
    expect(stubs.calls().find((call) => call.args.includes('apply'))?.stdinSha256).toMatch(/^[0-9a-f]{64}$/);

    stubs.clearCalls();
    await teardown!();
    expect(lines()).toEqual(['minio stop', expect.stringMatching(/^kind delete cluster --name velero-verify-\S+ --kubeconfig \S+\/kubeconfig$/)]);
  });

  it('a failure in the middle (helm upgrade) tears everything down and fails with one clear message', async () => {
    const attempt = setupKindTier(project, deps({ rules: [{ tool: 'helm', match: 'upgrade', exit: 1, stderr: 'Error: UPGRADE FAILED: context deadline exceeded\n' }] }));
    await expect(attempt).rejects.toThrow(KindTierError);
    await expect(attempt).rejects.toThrow(/^The kind tier failed while deploying Velero with Helm: helm upgrade --install did not finish within 10m/);
    const after = lines().slice(lines().findIndex((line) => line.startsWith('helm upgrade')) + 1);
    expect(after).toEqual(['minio stop', expect.stringMatching(/^kind delete cluster --name velero-verify-/)]);
    expect(provided.run).toBeUndefined();
    expect(auditCalls).toEqual([]);
  });

  it('a failing kind create still deletes the (half-made) cluster and starts no MinIO', async () => {
    const attempt = setupKindTier(project, deps({ rules: [{ tool: 'kind', match: 'create cluster', exit: 1, stderr: 'ERROR: failed to create cluster: failed to pull image "kindest/node"\n' }] }));
    await expect(attempt).rejects.toThrow(/failed while creating kind cluster velero-verify-\S+: kind create cluster failed: ERROR: failed to create cluster: failed to pull image/);
    expect(lines().at(-1)).toMatch(/^kind delete cluster --name velero-verify-/);
    expect(lines().some((line) => line.startsWith('minio'))).toBe(false);
  });

  it('a bucket that cannot be created is named, and teardown runs', async () => {
    s3.respond = { status: 403, body: s3Error('AccessDenied', 'Access Denied.') };
    const attempt = setupKindTier(project, deps());
    await expect(attempt).rejects.toThrow(/failed while creating bucket kind-tier-bucket: creating bucket "kind-tier-bucket" at http:\/\/127\.0\.0\.1:\d+ failed: AccessDenied/);
    expect(lines().slice(-2)).toEqual(['minio stop', expect.stringMatching(/^kind delete cluster/)]);
    expect(lines().some((line) => line.startsWith('helm repo') || line.startsWith('helm upgrade'))).toBe(false);
  });

  it('a location that does not become Available is left to the audit to report (not a setup failure)', async () => {
    const teardown = await setupKindTier(project, deps({ rules: [{ tool: 'kubectl', match: 'wait backupstoragelocation', exit: 1, stderr: 'error: timed out waiting for the condition on backupstoragelocations/default\n' }] }));
    expect(typeof teardown).toBe('function');
    expect(auditCalls).toHaveLength(1);
    expect(logLines.some((line) => /did not become Available within 3m \(kubectl wait failed: error: timed out waiting for the condition.*\); auditing anyway/.test(line))).toBe(true);
    await teardown!();
  });

  it('an audit that throws is a failure with teardown, not a NOT RUN', async () => {
    const attempt = setupKindTier(project, deps({ audit: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443')) }));
    await expect(attempt).rejects.toThrow(/failed while running the live audit and restore drill: connect ECONNREFUSED/);
    expect(lines().slice(-2)).toEqual(['minio stop', expect.stringMatching(/^kind delete cluster/)]);
    expect(provided.run).toBeUndefined();
  });

  it('Ctrl-C during kind create kills it, hands the cluster deletion to a detached process and fails as interrupted', async () => {
    const signals = new EventEmitter();
    // kind create would outlast the test's own timeout: the test can only pass when the SIGINT ends it.
    const attempt = setupKindTier(project, deps({ signals, rules: [{ tool: 'kind', match: 'create cluster', sleepMs: 120_000 }] }));
    // Interrupt once kind create is running.
    const poll = setInterval(() => {
      if (stubs.commandLines().some((line) => line.startsWith('kind create'))) {
        clearInterval(poll);
        signals.emit('SIGINT');
      }
    }, 50);
    await expect(attempt).rejects.toThrow(/failed while creating kind cluster \S+: interrupted by SIGINT/);
    // vitest exits right after a signal: the deletion must not depend on this process surviving.
    expect(detached).toEqual([['kind', 'delete', 'cluster', '--name', expect.stringMatching(/^velero-verify-/), '--kubeconfig', expect.stringMatching(/\/kubeconfig$/)]]);
    expect(lines().some((line) => line.startsWith('kind delete'))).toBe(false);
    expect(logLines.some((line) => /SIGINT received: stopping; cleaning up in the background: kind delete cluster --name velero-verify-/.test(line))).toBe(true);
    expect(signals.listenerCount('SIGINT')).toBe(0);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('SIGTERM while the specs run (after setup) deletes the cluster in the background; teardown then skips it', async () => {
    const signals = new EventEmitter();
    const teardown = await setupKindTier(project, deps({ signals }));
    expect(signals.listenerCount('SIGTERM')).toBe(1);
    signals.emit('SIGTERM');
    // Container and cluster are removed by detached commands; teardown then has nothing left to do.
    expect(detached).toEqual([
      ['docker', 'rm', '--force', '--volumes', '0123456789abcdef'],
      ['kind', 'delete', 'cluster', '--name', expect.stringMatching(/^velero-verify-/), '--kubeconfig', expect.stringMatching(/\/kubeconfig$/)],
    ]);
    stubs.clearCalls();
    await teardown!();
    expect(lines()).toEqual([]);
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('a bucket the audit could not read fails the tier (its own bucket and keys: a harness error, never a SKIP)', async () => {
    const unreadable: KindTierDeps['audit'] = async (auditOptions) => {
      const state = buildState([], { source: { target: 'kind', description: 'test' }, namespace: auditOptions.plan.namespace, credentialKeys: ['cloud'] });
      state.bucket = { ...readableBucket(auditOptions.plan.storage.bucket), unreadable: 'AccessDenied: Access Denied.' };
      return { state, drill: { status: 'passed', runId: auditOptions.runId, steps: [] } };
    };
    const attempt = setupKindTier(project, deps({ audit: unreadable }));
    await expect(attempt).rejects.toThrow(
      /^The kind tier failed while reading the bucket: the bucket could not be read: AccessDenied: Access Denied\.; the kind tier created this bucket and holds its credentials, so this is an error of the harness or of MinIO, not a finding about the cluster\. /,
    );
    expect(lines().slice(-2)).toEqual(['minio stop', expect.stringMatching(/^kind delete cluster/)]);
    expect(provided.run).toBeUndefined();
  });

  it('MinIO joins the network kind uses: KIND_EXPERIMENTAL_DOCKER_NETWORK is honoured', async () => {
    await setupKindTier(project, deps({ env: { KIND_EXPERIMENTAL_DOCKER_NETWORK: 'kind-ci' } }));
    expect(storeStarts[0].network).toBe('kind-ci');
    expect(lines()).toContain(`minio start ${DEFAULT_MINIO_IMAGE} kind-ci`);
  });

  it('names clusters left by earlier runs without deleting them', async () => {
    await setupKindTier(project, deps({ env: { STUB_KIND_CLUSTERS: 'velero-verify-20260630-010101-zzzz\nother\n' } }));
    expect(logLines.some((line) => /earlier velero-verify runs exist \(velero-verify-20260630-010101-zzzz\); .*kind delete cluster --name velero-verify-20260630-010101-zzzz/.test(line))).toBe(true);
    expect(lines().filter((line) => line.startsWith('kind delete'))).toEqual([]);
  });

  it('passes VELERO_VERIFY_KIND_NODE_IMAGE and VELERO_VERIFY_MINIO_IMAGE through', async () => {
    await setupKindTier(project, deps({ env: { VELERO_VERIFY_KIND_NODE_IMAGE: 'kindest/node:v1.34.3', VELERO_VERIFY_MINIO_IMAGE: 'registry.local/minio:pinned' } }));
    expect(lines().find((line) => line.startsWith('kind create'))).toMatch(/ --image kindest\/node:v1\.34\.3$/);
    expect(storeStarts[0].image).toBe('registry.local/minio:pinned');
  });
});

describe('VELERO_VERIFY_KIND_REUSE and VELERO_VERIFY_KEEP', () => {
  const lines = () => stubs.commandLines().map((line) => line.replace(/^s3 /, ''));

  it('reuses an existing cluster: no create, Velero restarted for the new MinIO, the cluster survives teardown', async () => {
    const teardown = await setupKindTier(project, deps({ env: { VELERO_VERIFY_KIND_REUSE: 'dev', STUB_KIND_CLUSTERS: 'dev\n' } }));
    const setup = lines();
    expect(setup.some((line) => line.startsWith('kind create'))).toBe(false);
    expect(setup).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^kind export kubeconfig --name dev --kubeconfig \S+$/),
        expect.stringMatching(/^kubectl --kubeconfig \S+ --context kind-dev --namespace velero rollout restart deployment\/velero daemonset\/node-agent$/),
        expect.stringMatching(/rollout status deployment\/velero --timeout=5m$/),
        expect.stringMatching(/rollout status daemonset\/node-agent --timeout=5m$/),
        'audit kind-dev drill',
      ]),
    );
    expect(setup.indexOf(setup.find((line) => line.includes('rollout restart'))!)).toBeGreaterThan(setup.indexOf(setup.find((line) => line.startsWith('helm upgrade'))!));
    expect(run().targetDescription).toMatch(/^kind cluster dev \(reused\)/);
    stubs.clearCalls();
    await teardown!();
    expect(lines()).toEqual(['minio stop']);
  });

  it('reusing a cluster kind does not know fails and lists the clusters it has', async () => {
    const attempt = setupKindTier(project, deps({ env: { VELERO_VERIFY_KIND_REUSE: 'dev', STUB_KIND_CLUSTERS: 'other\n' } }));
    await expect(attempt).rejects.toThrow(/VELERO_VERIFY_KIND_REUSE=dev, but kind has no such cluster \(kind get clusters: other\)/);
  });

  it('KEEP=1 keeps cluster and container after the run and says how to remove them', async () => {
    const teardown = await setupKindTier(project, deps({ env: { VELERO_VERIFY_KEEP: '1' } }));
    expect(auditCalls[0].keep).toBe(true);
    stubs.clearCalls();
    await teardown!();
    expect(lines()).toEqual([]);
    expect(detached).toEqual([]);
    expect(logLines.at(-1)).toMatch(/VELERO_VERIFY_KEEP=1: keeping everything\. To remove it later: docker rm --force --volumes 0123456789abcdef; kind delete cluster --name velero-verify-\S+; rm -rf \S+/);
  });

  it('KEEP=on-failure keeps after a failed setup but cleans up after a good one', async () => {
    const failing = setupKindTier(project, deps({ env: { VELERO_VERIFY_KEEP: 'on-failure' }, rules: [{ tool: 'helm', match: 'upgrade', exit: 1, stderr: 'Error: boom\n' }] }));
    await expect(failing).rejects.toThrow(/the cluster and container were kept for inspection/);
    expect(lines().some((line) => line.startsWith('kind delete') || line === 'minio stop')).toBe(false);

    stubs.clearCalls();
    const teardown = await setupKindTier(project, deps({ env: { VELERO_VERIFY_KEEP: 'on-failure' } }));
    stubs.clearCalls();
    await teardown!();
    expect(lines()).toEqual(['minio stop', expect.stringMatching(/^kind delete cluster/)]);
  });

  it('KEEP=on-failure and Ctrl-C while the specs run: container and cluster are removed by detached commands', async () => {
    const signals = new EventEmitter();
    const teardown = await setupKindTier(project, deps({ signals, env: { VELERO_VERIFY_KEEP: 'on-failure' } }));
    signals.emit('SIGINT');
    expect(detached).toEqual([
      ['docker', 'rm', '--force', '--volumes', '0123456789abcdef'],
      ['kind', 'delete', 'cluster', '--name', expect.stringMatching(/^velero-verify-/), '--kubeconfig', expect.stringMatching(/\/kubeconfig$/)],
    ]);
    stubs.clearCalls();
    await teardown!();
    expect(lines()).toEqual([]);
  });

  it('reads KEEP values', () => {
    expect(['1', 'true', 'always', 'YES'].map(keepModeOf)).toEqual(['always', 'always', 'always', 'always']);
    expect(keepModeOf('on-failure')).toBe('on-failure');
    expect([undefined, '', '0', 'false'].map(keepModeOf)).toEqual(['never', 'never', 'never', 'never']);
  });
});

describe('pieces', () => {
  it('fixtures/kind/cluster.yaml: kind v1alpha4, control-plane + worker, one digest-pinned node image of a Kubernetes version Velero 1.18 is tested on', () => {
    const config = parseYaml(readFileSync(KIND_CONFIG, 'utf8'));
    expect(config.kind).toBe('Cluster');
    expect(config.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    expect(config.nodes.map((node: { role: string }) => node.role)).toEqual(['control-plane', 'worker']);
    const images = new Set(config.nodes.map((node: { image: string }) => node.image));
    expect(images.size).toBe(1);
    const [image] = [...images] as string[];
    const match = /^kindest\/node:v(\d+)\.(\d+)\.(\d+)@sha256:[0-9a-f]{64}$/.exec(image);
    expect(match).not.toBeNull();
    // docs/velero-facts.md §7: Velero 1.18 is tested on Kubernetes 1.33.7, 1.34.1 and 1.35.0.
    expect(['1.33', '1.34', '1.35']).toContain(`${match![1]}.${match![2]}`);
  });

  it('kindPlan changes only the s3Url', () => {
    const plan = parsePlan({ storage: { bucket: 'b-kind' } });
    const effective = kindPlan(plan, 'http://172.18.0.9:9000');
    expect(effective.storage).toEqual({ ...plan.storage, s3Url: 'http://172.18.0.9:9000' });
    expect({ ...effective, storage: undefined }).toEqual({ ...plan, storage: undefined });
  });

  it('createBucket accepts a bucket that is already ours and names other errors', async () => {
    const credentials = { accessKeyId: 'velero-verify-abc123', secretAccessKey: 'not-a-real-minio-password' };
    s3.respond = { status: 409, body: s3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.') };
    await expect(createBucket({ endpoint: s3.endpoint, credentials, bucket: 'mine', region: 'minio', lifecycle: [] })).resolves.toBeUndefined();
    s3.respond = { status: 409, body: s3Error('BucketAlreadyExists', 'The requested bucket name is not available.') };
    await expect(createBucket({ endpoint: s3.endpoint, credentials, bucket: 'theirs', region: 'minio', lifecycle: [] })).rejects.toThrow(/creating bucket "theirs" at http:\/\/127\.0\.0\.1:\d+ failed: BucketAlreadyExists/);
    expect(s3.requests.map((request) => `${request.method} ${request.url}`)).toEqual(['PUT /mine/', 'PUT /theirs/']);
  });
});
