/**
 * The kind tier (`npm test`): a disposable kind cluster, MinIO in a container on kind's docker
 * network (port published on 127.0.0.1 only), Velero installed by the deploy script's code, then the live audit with the restore
 * drill — handed to the specs as the RunContext (target `kind`).
 *
 * On a machine without a Docker engine, kind, Helm or kubectl the tier is NOT RUN: the context
 * carries `notRun` naming what is missing, every spec skips with that reason, and the report
 * says NOT RUN — never APPROVE.
 *
 * Setup order and teardown (LIFO, also after a failure in the middle; skipped with KEEP):
 *   prerequisites → kind create cluster (or reuse) → MinIO container → bucket with the plan's
 *   lifecycle → deploy Velero (repository password Secret, credentials Secret, Helm)
 *   → (reused cluster: restart Velero for the new MinIO) → wait for the BSL to be Available
 *   → live audit + drill → provide context
 *   teardown: remove the MinIO container → kind delete cluster → remove the work directory.
 * Ctrl-C/SIGTERM (setup or specs): the running tool's process group is stopped, and removing the
 * container and the cluster is handed to detached processes (vitest exits right after).
 * After the audit, a bucket the tier could not read fails the tier: it created the bucket and
 * holds its keys, so that is an error of the harness, never a SKIP.
 *
 * Environment:
 *   VELERO_VERIFY_KIND_REUSE=<cluster>  use an existing kind cluster (not deleted afterwards)
 *   VELERO_VERIFY_KEEP=1|always|on-failure  keep cluster, container and drill objects
 *   VELERO_VERIFY_MINIO_IMAGE           MinIO image (default pinned quay.io tag)
 *   VELERO_VERIFY_KIND_NODE_IMAGE       kindest/node image for every node (kind --image)
 *   VELERO_VERIFY_CONFIG                BackupPlan file (default: velero-verify.yaml in cwd, else homelab defaults)
 *   VELERO_VERIFY_KIND_DEPLOY_TIMEOUT   helm --timeout for Velero to become ready (default 10m)
 *   KIND_EXPERIMENTAL_DOCKER_NETWORK    kind's own setting: the docker network of the nodes (default kind); MinIO joins it too
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { parse as parseYaml } from 'yaml';
import { describeError } from '../errors.ts';
import { declaredBucketLifecycle, loadPlan, parsePlan, type BackupPlan } from '../plan.ts';
import { newRunId, type RunContext } from '../run-context.ts';
import { REPO_ROOT } from '../schema/reference.ts';
import type { ClusterAuditOptions, ClusterAuditResult } from '../targets/cluster.ts';
import { deployVelero, type DeployOptions } from '../deploy/deploy.ts';
import { displayCommand, lastLines, runCommand, startDetached } from '../tools/run.ts';
import { checkKindPrerequisites, describeMissing } from './prerequisites.ts';
import { DEFAULT_MINIO_IMAGE, KIND_NETWORK_ENV, MINIO_IMAGE_ENV, createBucket, kindNetwork, startMinioContainer, type ObjectStoreStarter, type StartedObjectStore } from './object-store.ts';

export const KIND_CONFIG = resolve(REPO_ROOT, 'fixtures', 'kind', 'cluster.yaml');
const ENV = {
  reuse: 'VELERO_VERIFY_KIND_REUSE',
  keep: 'VELERO_VERIFY_KEEP',
  minioImage: MINIO_IMAGE_ENV,
  nodeImage: 'VELERO_VERIFY_KIND_NODE_IMAGE',
  config: 'VELERO_VERIFY_CONFIG',
  deployTimeout: 'VELERO_VERIFY_KIND_DEPLOY_TIMEOUT',
  network: KIND_NETWORK_ENV,
} as const;

const KIND_CREATE_DEADLINE_MS = 15 * 60_000;
const KIND_DELETE_DEADLINE_MS = 5 * 60_000;
const KIND_QUERY_DEADLINE_MS = 60_000;
const DOCKER_RM_DEADLINE_MS = 60_000;
const ROLLOUT_DEADLINE = '5m';
/** Velero validates a new location on start and then every minute (docs/velero-facts.md §3); its e2e polls up to 1m. */
const BSL_AVAILABLE_DEADLINE = '3m';

export type KeepMode = 'never' | 'always' | 'on-failure';

export function keepModeOf(value: string | undefined): KeepMode {
  const normalised = (value ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes', 'always'].includes(normalised)) return 'always';
  if (normalised === 'on-failure') return 'on-failure';
  return 'never';
}

/** The part of vitest's TestProject the tier uses (tests pass a recorder). */
export type ContextProvider = Pick<TestProject, 'provide'>;

export type ClusterAudit = (options: ClusterAuditOptions) => Promise<ClusterAuditResult>;

export interface KindTierDeps {
  /** Environment for the tools and the tier's settings (default process.env). */
  env: NodeJS.ProcessEnv;
  startObjectStore: ObjectStoreStarter;
  createBucket: typeof createBucket;
  deploy: (options: DeployOptions) => Promise<unknown>;
  /** runClusterAudit from harness/targets/cluster.ts, loaded on demand. */
  audit: ClusterAudit;
  log: (line: string) => void;
  now: () => Date;
  /** Where SIGINT/SIGTERM come from (default: the process). */
  signals: Pick<NodeJS.EventEmitter, 'once' | 'removeListener'>;
  /** Start a cleanup command that outlives this process (on Ctrl-C vitest exits at once). */
  spawnDetached: (argv: string[], env: NodeJS.ProcessEnv) => void;
  /** Where the run's temporary directory (kubeconfig) goes. */
  tmpRoot: string;
}

/** A setup step failed; teardown has already run. One paragraph, no stack. */
export class KindTierError extends Error {
  override readonly name = 'KindTierError';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

async function loadClusterAudit(): Promise<ClusterAudit> {
  const module = await import('../targets/cluster.ts');
  return module.runClusterAudit;
}

function defaults(): KindTierDeps {
  return {
    env: process.env,
    startObjectStore: startMinioContainer,
    createBucket,
    deploy: deployVelero,
    audit: async (options) => (await loadClusterAudit())(options),
    log: (line) => process.stderr.write(`[kind tier] ${line}\n`),
    now: () => new Date(),
    signals: process,
    spawnDetached: startDetached,
    tmpRoot: tmpdir(),
  };
}

/** The node image fixtures/kind/cluster.yaml pins (for the report's tool versions). */
function configuredNodeImage(): string {
  try {
    const config = parseYaml(readFileSync(KIND_CONFIG, 'utf8')) as { nodes?: Array<{ image?: string }> };
    return config.nodes?.find((node) => node.image)?.image ?? 'kind default';
  } catch {
    return 'unknown';
  }
}

/** The plan the kind cluster really runs: the user's plan with the in-cluster MinIO address. */
export function kindPlan(plan: BackupPlan, clusterEndpoint: string): BackupPlan {
  return parsePlan({ ...plan, storage: { ...plan.storage, s3Url: clusterEndpoint } });
}

function baseContext(runId: string, now: Date, plan: BackupPlan, planSource: string): RunContext {
  return {
    runId,
    target: 'kind',
    targetDescription: 'kind cluster (disposable)',
    plan,
    planSource,
    now: now.toISOString(),
    startedAt: now.toISOString(),
    toolVersions: {},
  };
}

interface TeardownStep {
  name: string;
  run: () => Promise<void>;
  /** What to run by hand when the step is kept or failed. */
  manual: string;
  /** A command that does the step from a detached process, for Ctrl-C (the process is about to exit). */
  detached?: string[];
  /** Already handed to a detached process. */
  handedOff?: boolean;
}

/**
 * Set up the kind tier and provide the RunContext; returns the teardown (vitest globalSetup
 * contract). Throws KindTierError (after cleaning up) when a step fails on a machine that has
 * every prerequisite: that is a failure, never NOT RUN.
 */
export async function setupKindTier(project: ContextProvider, overrides: Partial<KindTierDeps> = {}): Promise<(() => Promise<void>) | undefined> {
  const deps: KindTierDeps = { ...defaults(), ...overrides };
  const env = deps.env;
  const startedAt = deps.now();
  const runId = newRunId(startedAt);

  const prerequisites = await checkKindPrerequisites(env);
  if (prerequisites.missing.length > 0) {
    // Prerequisites first: a machine without the tools reports NOT RUN even with a broken plan file.
    let planInfo: { plan: BackupPlan; source: string };
    try {
      planInfo = loadPlan({ explicitPath: env[ENV.config] });
    } catch {
      planInfo = { plan: parsePlan({}), source: 'built-in homelab defaults' };
    }
    const notRun = describeMissing(prerequisites.missing);
    deps.log(`NOT RUN: ${notRun}`);
    project.provide('run', { ...baseContext(runId, startedAt, planInfo.plan, planInfo.source), notRun, toolVersions: prerequisites.versions });
    return undefined;
  }

  let plan: BackupPlan;
  let planSource: string;
  try {
    ({ plan, source: planSource } = loadPlan({ explicitPath: env[ENV.config] }));
  } catch (error) {
    throw new KindTierError(`The kind tier cannot start: ${describeError(error)}`);
  }
  const keep = keepModeOf(env[ENV.keep]);
  const reuse = env[ENV.reuse]?.trim() || undefined;
  const clusterName = reuse ?? `velero-verify-${runId}`;
  const context = `kind-${clusterName}`;
  const workDir = mkdtempSync(join(deps.tmpRoot, 'velero-verify-kind-'));
  const kubeconfig = join(workDir, 'kubeconfig');
  const minioImage = env[ENV.minioImage]?.trim() || DEFAULT_MINIO_IMAGE;
  const nodeImage = env[ENV.nodeImage]?.trim() || undefined;
  const teardown: TeardownStep[] = [];

  const runTeardown = async (reason: 'done' | 'failed'): Promise<void> => {
    const keepNow = keep === 'always' || (keep === 'on-failure' && reason === 'failed');
    const steps = teardown.splice(0).reverse();
    if (keepNow) {
      if (steps.length) deps.log(`${ENV.keep}=${env[ENV.keep]}: keeping everything. To remove it later: ${steps.map((step) => step.manual).join('; ')}`);
      return;
    }
    const problems: string[] = [];
    for (const step of steps) {
      if (step.handedOff) continue;
      try {
        await step.run();
      } catch (error) {
        problems.push(`${step.name} failed (${describeError(error)}); by hand: ${step.manual}`);
      }
    }
    if (problems.length) deps.log(`teardown left something behind: ${problems.join('; ')}`);
  };

  // Ctrl-C or SIGTERM, during setup or while the specs run: vitest exits right after the signal,
  // so the container and the cluster are removed by detached processes that outlive us. During
  // setup the running tool is also stopped, so a process that does survive the signal goes
  // through the normal failure path below.
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    abort.abort(new Error(`interrupted by ${signal}`));
    if (keep === 'always') {
      deps.log(`${signal} received: ${ENV.keep}=${env[ENV.keep]}, leaving everything in place`);
      return;
    }
    const handed = teardown.filter((step) => step.detached && !step.handedOff).reverse();
    for (const step of handed) {
      step.handedOff = true;
      deps.spawnDetached(step.detached!, env);
    }
    deps.log(`${signal} received: stopping${handed.length ? `; cleaning up in the background: ${handed.map((step) => step.manual).join('; ')}` : ''}`);
  };
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  deps.signals.once('SIGINT', onSigint);
  deps.signals.once('SIGTERM', onSigterm);
  const stopListening = () => {
    deps.signals.removeListener('SIGINT', onSigint);
    deps.signals.removeListener('SIGTERM', onSigterm);
  };
  const checkInterrupted = () => {
    if (abort.signal.aborted) throw abort.signal.reason instanceof Error ? abort.signal.reason : new Error('interrupted');
  };

  /** Setup commands stop on Ctrl-C; teardown commands (`abortable: false`) must run regardless. */
  const run = async (argv: string[], timeoutMs: number, what: string, abortable = true) => {
    if (abortable) checkInterrupted();
    deps.log(`+ ${displayCommand(argv)}`);
    const result = await runCommand(argv, { env, timeoutMs, signal: abortable ? abort.signal : undefined });
    if (abortable) checkInterrupted();
    if (result.exitCode !== 0) {
      throw new Error(`${what} failed${result.timedOut ? ` (no result within ${Math.round(timeoutMs / 1000)}s)` : ''}: ${lastLines(result.stderr) || `exit code ${result.exitCode ?? result.signal}`}`);
    }
    return result;
  };

  teardown.push({ name: 'removing the temporary kubeconfig', manual: `rm -rf ${workDir}`, run: async () => rmSync(workDir, { recursive: true, force: true }) });

  let step = 'starting';
  try {
    step = reuse ? `reusing kind cluster ${clusterName}` : `creating kind cluster ${clusterName}`;
    if (reuse) {
      const clusters = (await run(['kind', 'get', 'clusters'], KIND_QUERY_DEADLINE_MS, 'kind get clusters')).stdout.split('\n').map((line) => line.trim()).filter(Boolean);
      if (!clusters.includes(reuse)) {
        throw new Error(`${ENV.reuse}=${reuse}, but kind has no such cluster (kind get clusters: ${clusters.length ? clusters.join(', ') : 'none'})`);
      }
      await run(['kind', 'export', 'kubeconfig', '--name', clusterName, '--kubeconfig', kubeconfig], KIND_QUERY_DEADLINE_MS, 'kind export kubeconfig');
    } else {
      await noticeLeftovers(run, deps.log);
      // Registered before creating: kind cleans up a failed create itself, and deleting a
      // cluster that does not exist is a no-op, so a half-made cluster can never be left behind.
      teardown.push({
        name: `deleting kind cluster ${clusterName}`,
        manual: `kind delete cluster --name ${clusterName}`,
        detached: ['kind', 'delete', 'cluster', '--name', clusterName, '--kubeconfig', kubeconfig],
        run: async () => {
          await run(['kind', 'delete', 'cluster', '--name', clusterName, '--kubeconfig', kubeconfig], KIND_DELETE_DEADLINE_MS, 'kind delete cluster', false);
        },
      });
      await run(
        ['kind', 'create', 'cluster', '--name', clusterName, '--config', KIND_CONFIG, '--kubeconfig', kubeconfig, '--wait', '5m', ...(nodeImage ? ['--image', nodeImage] : [])],
        KIND_CREATE_DEADLINE_MS,
        'kind create cluster',
      );
    }

    const network = kindNetwork(env);
    step = `starting MinIO (${minioImage}) on the docker network "${network}"`;
    deps.log(step);
    checkInterrupted();
    // Registered as soon as the container exists, so a failure while it starts up still removes it.
    let containerRegistered = false;
    const registerContainer = (containerId: string) => {
      containerRegistered = true;
      const remove = ['docker', 'rm', '--force', '--volumes', containerId];
      teardown.push({
        name: `removing MinIO container ${containerId.slice(0, 12)}`,
        manual: displayCommand(remove),
        detached: remove,
        run: async () => {
          await run(remove, DOCKER_RM_DEADLINE_MS, 'docker rm', false);
        },
      });
    };
    const store: StartedObjectStore = await deps.startObjectStore({ image: minioImage, network, runId, env, signal: abort.signal, onCreated: registerContainer });
    if (!containerRegistered) {
      teardown.push({
        name: `stopping ${store.description}`,
        manual: store.containerId ? `docker rm --force --volumes ${store.containerId}` : `stop ${store.description}`,
        detached: store.containerId ? ['docker', 'rm', '--force', '--volumes', store.containerId] : undefined,
        run: () => store.stop(),
      });
    }

    checkInterrupted();
    step = `creating bucket ${plan.storage.bucket}`;
    const lifecycle = declaredBucketLifecycle(plan);
    deps.log(`${step} at ${store.hostEndpoint}${lifecycle.length ? ` with the plan's lifecycle (${lifecycle.map((rule) => `${rule.prefix || '<whole bucket>'} after ${rule.expirationDays}d`).join(', ')})` : ''}`);
    await deps.createBucket({ endpoint: store.hostEndpoint, credentials: store.credentials, bucket: plan.storage.bucket, region: plan.storage.region, lifecycle });

    checkInterrupted();
    const effective = kindPlan(plan, store.clusterEndpoint);
    step = 'deploying Velero with Helm';
    deps.log(`${step} (s3Url ${store.clusterEndpoint})`);
    await deps.deploy({
      plan: effective,
      context,
      kubeconfig,
      credentials: store.credentials,
      timeout: env[ENV.deployTimeout]?.trim() || undefined,
      env,
      print: deps.log,
      signal: abort.signal,
    });

    if (reuse) {
      // A reused cluster's Velero still holds the previous MinIO's credentials file and address.
      step = 'restarting Velero on the reused cluster';
      const kubectl = ['kubectl', '--kubeconfig', kubeconfig, '--context', context, '--namespace', effective.namespace];
      await run([...kubectl, 'rollout', 'restart', 'deployment/velero', 'daemonset/node-agent'], KIND_QUERY_DEADLINE_MS, 'kubectl rollout restart');
      for (const workload of ['deployment/velero', 'daemonset/node-agent']) {
        await run([...kubectl, 'rollout', 'status', workload, `--timeout=${ROLLOUT_DEADLINE}`], 6 * 60_000, `kubectl rollout status ${workload}`);
      }
    }

    // The drill refuses a location that is not Available yet, and a fresh server may not have
    // validated it when Helm's --wait returns. Wait for it here; if it never gets there, the
    // audit still runs and the report shows the location's phase and message as the failure.
    step = `waiting for BackupStorageLocation ${effective.storage.locationName} to become Available`;
    try {
      await run(
        [
          'kubectl', '--kubeconfig', kubeconfig, '--context', context, '--namespace', effective.namespace,
          'wait', `backupstoragelocation/${effective.storage.locationName}`, '--for=jsonpath={.status.phase}=Available', `--timeout=${BSL_AVAILABLE_DEADLINE}`,
        ],
        4 * 60_000,
        'kubectl wait',
      );
    } catch (error) {
      checkInterrupted();
      deps.log(`the location did not become Available within ${BSL_AVAILABLE_DEADLINE} (${describeError(error)}); auditing anyway, the report will show why`);
    }

    checkInterrupted();
    step = 'running the live audit and restore drill';
    deps.log(step);
    const { ENV_ACCESS_KEY_ID, ENV_ENDPOINT_OVERRIDE, ENV_SECRET_ACCESS_KEY, ENV_SESSION_TOKEN } = await import('../bucket/client.ts');
    const audit = await deps.audit({
      plan: effective,
      kubeconfig,
      context,
      readOnly: false,
      keep: keep === 'always',
      runId,
      onProgress: deps.log,
      signal: abort.signal,
      // The harness reads the bucket through the host-mapped port with the credentials from the
      // cluster's Secret; ambient AWS_* variables of the developer must not win over them.
      env: { ...env, [ENV_ENDPOINT_OVERRIDE]: store.hostEndpoint, [ENV_ACCESS_KEY_ID]: undefined, [ENV_SECRET_ACCESS_KEY]: undefined, [ENV_SESSION_TOKEN]: undefined },
    });

    checkInterrupted();
    const bucketProblem = unreadableBucket(audit.state);
    if (bucketProblem) {
      step = 'reading the bucket';
      throw new Error(`${bucketProblem}; the kind tier created this bucket and holds its credentials, so this is an error of the harness or of MinIO, not a finding about the cluster`);
    }
    const finished = deps.now();
    const runContext: RunContext = {
      ...baseContext(runId, startedAt, effective, planSource),
      now: finished.toISOString(),
      targetDescription: `kind cluster ${clusterName}${reuse ? ' (reused)' : ''} with ${store.description}, Velero chart ${effective.velero.chartVersion}`,
      state: audit.state,
      drill: audit.drill,
      backupName: audit.backupName,
      toolVersions: {
        ...prerequisites.versions,
        'kind node image': nodeImage ?? configuredNodeImage(),
        minio: minioImage,
        'velero chart': effective.velero.chartVersion,
      },
    };
    project.provide('run', runContext);
  } catch (error) {
    stopListening();
    await runTeardown('failed');
    const kept = keep !== 'never' ? ` (${ENV.keep}=${env[ENV.keep]}: the cluster and container were kept for inspection)` : '';
    throw new KindTierError(`The kind tier failed while ${step}: ${describeError(error).replace(/\.$/, '')}${kept}. Fix the cause and run \`npm test\` again; see docs/kind-tier.md.`);
  }

  // Still listening while the specs run; the teardown stops listening.
  return async () => {
    stopListening();
    await runTeardown('done');
  };
}

/**
 * Clusters of earlier runs that were interrupted before their teardown (e.g. killed hard) are
 * named, with the command to remove them. They are not deleted here: another run may own one.
 */
async function noticeLeftovers(run: (argv: string[], timeoutMs: number, what: string) => Promise<{ stdout: string }>, log: (line: string) => void): Promise<void> {
  const clusters = (await run(['kind', 'get', 'clusters'], KIND_QUERY_DEADLINE_MS, 'kind get clusters')).stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name.startsWith('velero-verify-'));
  if (clusters.length) {
    log(`note: kind clusters of earlier velero-verify runs exist (${clusters.join(', ')}); if no run is using them: ${clusters.map((name) => `kind delete cluster --name ${name}`).join('; ')}`);
  }
}

/** Why the audit could not read the tier's own bucket, or undefined when it could. */
function unreadableBucket(state: ClusterAuditResult['state']): string | undefined {
  const bucket = state?.bucket;
  if (!bucket) return 'the audit did not read the bucket at all';
  if (bucket.unreadable) return `the bucket could not be read: ${bucket.unreadable}`;
  if (bucket.lifecycle?.error) return `the bucket's lifecycle could not be read: ${bucket.lifecycle.error.message}`;
  return undefined;
}
