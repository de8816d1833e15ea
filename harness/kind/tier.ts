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
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../errors.ts';
import { declaredBucketLifecycle, loadPlan, parsePlan, type BackupPlan } from '../plan.ts';
import { newRunId, type RunContext } from '../run-context.ts';
import { displayCommand, lastLines, runCommand } from '../tools/run.ts';
import { DEFAULT_MINIO_IMAGE, kindNetwork, type StartedObjectStore } from './object-store.ts';
import { checkKindPrerequisites, describeMissing } from './prerequisites.ts';
import {
  BSL_AVAILABLE_DEADLINE,
  DOCKER_RM_DEADLINE_MS,
  ENV,
  KIND_CONFIG,
  KIND_CREATE_DEADLINE_MS,
  KIND_DELETE_DEADLINE_MS,
  KIND_QUERY_DEADLINE_MS,
  ROLLOUT_DEADLINE,
  configuredNodeImage,
  keepModeOf,
} from './settings.ts';
import { noticeLeftovers, Teardown } from './teardown.ts';
import { baseContext, kindPlan, unreadableBucket } from './tier-context.ts';
import { defaultTierDeps, type ContextProvider, type KindTierDeps } from './tier-deps.ts';

/** A setup step failed; teardown has already run. One paragraph, no stack. */
export class KindTierError extends Error {
  override readonly name = 'KindTierError';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * Set up the kind tier and provide the RunContext; returns the teardown (vitest globalSetup
 * contract). Throws KindTierError (after cleaning up) when a step fails on a machine that has
 * every prerequisite: that is a failure, never NOT RUN.
 */
export async function setupKindTier(project: ContextProvider, overrides: Partial<KindTierDeps> = {}): Promise<(() => Promise<void>) | undefined> {
  const deps: KindTierDeps = { ...defaultTierDeps(), ...overrides };
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
  const teardown = new Teardown(keep, `${ENV.keep}=${env[ENV.keep]}`, deps.log, (argv) => deps.spawnDetached(argv, env));

  // Ctrl-C or SIGTERM, during setup or while the specs run: vitest exits right after the signal,
  // so the container and the cluster are removed by detached processes that outlive us. During
  // setup the running tool is also stopped, so a process that does survive the signal goes
  // through the normal failure path below.
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    abort.abort(new Error(`interrupted by ${signal}`));
    teardown.handOff(signal);
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
    await teardown.run('failed');
    const kept = keep !== 'never' ? ` (${ENV.keep}=${env[ENV.keep]}: the cluster and container were kept for inspection)` : '';
    throw new KindTierError(`The kind tier failed while ${step}: ${describeError(error).replace(/\.$/, '')}${kept}. Fix the cause and run \`npm test\` again; see docs/kind-tier.md.`);
  }

  // Still listening while the specs run; the teardown stops listening.
  return async () => {
    stopListening();
    await teardown.run('done');
  };
}
