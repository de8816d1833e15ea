/**
 * The `cluster` target (`npm run audit`): any kubeconfig context. Collects live state (get/list
 * only), runs the canary drill unless --read-only, and collects again — after the drill's
 * verification and before its cleanup — so the drill's Backup, PodVolumeBackups, Restore and
 * bucket files are in the State the judges read.
 */
import type { BackupPlan } from '../plan.ts';
import type { State } from '../state.ts';
import type { BucketState } from '../bucket/types.ts';
import { BucketAccessError, unreadableBucketState } from '../bucket/access-error.ts';
import { collectBucket } from '../bucket/collect.ts';
import { listBackupFiles, listRestoreFiles } from '../bucket/list-files.ts';
import { createS3Client, credentialsFromEnv, endpointOverrideFromEnv, s3LocationFromBsl, type S3Location } from '../bucket/client.ts';
import { describeError } from '../errors.ts';
import { bucketScope } from '../judge/dod-data-in-bucket.ts';
import { KubeApi } from '../kube/api.ts';
import { KubeClient, type KubeClientOptions } from '../kube/client.ts';
import { collectLiveState, type S3Credentials } from '../kube/collect.ts';
import { loadKubeTarget, type KubeTarget } from '../kube/config.ts';
import { Redactor } from '../redact.ts';
import { R } from '../kube/resources.ts';
import { parseGoDuration } from '../duration.ts';
import { deleteBackupThroughVelero, deleteIfOurs, deleteRestoreWhenDone, emptyOutcome, mergeOutcome, type CleanupContext } from '../drill/cleanup.ts';
import { drillNames, MANAGED_SELECTOR } from '../drill/canary.ts';
import { runDrill } from '../drill/run-drill.ts';
import type { SignalSource } from '../drill/signals.ts';
import type { DrillResult } from '../drill/types.ts';

/**
 * The object-store side the cluster target needs (implemented over harness/bucket by
 * `bucketHookFromPlan`; tests pass their own).
 */
export interface BucketHook {
  /** Read the bucket for the judges; `focus` names the backups and volume namespaces to read in depth. */
  collect(state: State, focus?: { backupNames: string[]; volumeNamespaces: string[] }): Promise<BucketState | undefined>;
  /** Whether `<prefix>backups/<backupName>/` holds no object any more. */
  backupFilesGone(backupName: string): Promise<boolean>;
  /** Whether `<prefix>restores/<restoreName>/` holds no object any more. */
  restoreFilesGone?(restoreName: string): Promise<boolean>;
  /** Release connections (optional). */
  close?(): void;
}

export interface ClusterAuditOptions {
  plan: BackupPlan;
  kubeconfig?: string;
  context?: string;
  readOnly: boolean;
  keep: boolean;
  runId: string;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  /**
   * The bucket hook. `undefined` = build one from the BSL and the credentials Secret (or
   * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); `null` = do not read the bucket.
   */
  bucket?: BucketHook | null;
  /** Testing and tuning: where SIGINT/SIGTERM come from, GET poll period, client retry policy, env. */
  signals?: SignalSource;
  pollMs?: number;
  client?: KubeClientOptions;
  env?: Record<string, string | undefined>;
  /** `--s3-endpoint`: read the bucket here instead of the BSL's s3Url (else VELERO_VERIFY_S3_ENDPOINT). */
  s3Endpoint?: string;
  /** `--backup NAME`: the manual backup the judges read (its bucket folder is read too). */
  backupName?: string;
}

export interface ClusterAuditResult {
  state: State;
  drill?: DrillResult;
  /** The drill backup (judged by dod.manual-backup). */
  backupName?: string;
}

function connect(options: { kubeconfig?: string; context?: string; env?: Record<string, string | undefined>; client?: KubeClientOptions; onProgress?: (line: string) => void }, redactor: Redactor): { target: KubeTarget; api: KubeApi } {
  const target = loadKubeTarget({ kubeconfig: options.kubeconfig, context: options.context, env: options.env });
  const client = new KubeClient(target.kubeConfig, { ...options.client, onRetry: (line) => options.onProgress?.(redactor.text(line)) });
  return { target, api: new KubeApi(client) };
}

/**
 * Backups worth reading in the bucket: what dod.data-in-bucket judges (bucketScope: the manual
 * backup — `--backup`, else the drill's, else the newest manual one — and the newest Completed
 * scheduled backup, with their volume namespaces), the drill backup and the newest Completed one.
 */
function focusOf(state: State, plan: BackupPlan, manualBackup: string | undefined, drillBackup: string | undefined, drillNamespace: string | undefined): { backupNames: string[]; volumeNamespaces: string[] } {
  const completed = state.objects.backups
    .filter((backup) => (backup.status as { phase?: string } | undefined)?.phase === 'Completed')
    .sort((a, b) => String((b.status as { completionTimestamp?: string }).completionTimestamp ?? '').localeCompare(String((a.status as { completionTimestamp?: string }).completionTimestamp ?? '')));
  const judged = bucketScope(state, plan, manualBackup ?? drillBackup);
  const names = [drillBackup, ...judged.backupNames, completed[0]?.metadata.name].filter((name): name is string => Boolean(name));
  const namespaces = [...judged.volumeNamespaces, drillNamespace].filter((name): name is string => Boolean(name));
  return { backupNames: [...new Set(names)], volumeNamespaces: [...new Set(namespaces)] };
}

export async function runClusterAudit(options: ClusterAuditOptions): Promise<ClusterAuditResult> {
  const redactor = new Redactor();
  const progress = (line: string) => options.onProgress?.(redactor.text(line));
  const { target, api } = connect(options, redactor);
  progress(`cluster: context "${target.context}" (${target.server})${options.readOnly ? ', read-only' : ''}`);

  let drillBackup: string | undefined;
  let drillNamespace: string | undefined;
  let bucketHook = options.bucket ?? undefined;
  const collect = async (extraNamespaces: string[]): Promise<State> => {
    progress('cluster: collecting state');
    const collected = await collectLiveState(api, { plan: options.plan, target, redactor, signal: options.signal, extraNamespaces, backupName: options.backupName ?? drillBackup });
    if (options.bucket === undefined && !bucketHook) {
      bucketHook = bucketHookFromPlan(collected.state, options.plan, collected.credentials, { env: options.env, endpoint: options.s3Endpoint, onNote: progress, redactor });
    }
    if (bucketHook) {
      try {
        const bucket = await bucketHook.collect(collected.state, focusOf(collected.state, options.plan, options.backupName, drillBackup, drillNamespace));
        if (bucket) collected.state.bucket = redactor.deepKnownValues(bucket);
      } catch (error) {
        progress(`cluster: reading the bucket failed: ${describeError(error)}`);
      }
    }
    return collected.state;
  };

  let state = await collect([]);
  if (options.readOnly) {
    bucketHook?.close?.();
    api.client.close();
    return { state };
  }
  if (state.veleroInstalled === false) {
    bucketHook?.close?.();
    api.client.close();
    return {
      state,
      drill: { status: 'not-run', reason: 'Velero is not installed (the cluster does not serve the velero.io/v1 API)', runId: options.runId, steps: [] },
    };
  }

  const names = drillNames(options.plan, options.runId);
  drillNamespace = names.sourceNamespace;
  const drill = await runDrill({
    api,
    plan: options.plan,
    runId: options.runId,
    keep: options.keep,
    redactor,
    onProgress: options.onProgress,
    signal: options.signal,
    signals: options.signals,
    pollMs: options.pollMs,
    bucket: bucketHook,
    beforeCleanup: async () => {
      drillBackup = names.backup;
      try {
        state = await collect([names.sourceNamespace, names.targetNamespace]);
      } catch (error) {
        progress(`cluster: collecting state after the drill failed (${describeError(error)}); the judges see the state from before the drill`);
      }
    },
  });
  bucketHook?.close?.();
  api.client.close();
  return { state, drill, backupName: drill.backupName };
}

export interface CleanupLeftoversOptions {
  plan: BackupPlan;
  kubeconfig?: string;
  context?: string;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  bucket?: BucketHook | null;
  pollMs?: number;
  client?: KubeClientOptions;
  env?: Record<string, string | undefined>;
  s3Endpoint?: string;
}

/**
 * `--cleanup`: remove what earlier (interrupted) runs left — every namespace, Restore, Backup (via
 * DeleteBackupRequest) and processed DeleteBackupRequest labelled
 * app.kubernetes.io/managed-by=velero-verify. Nothing without that label is touched.
 */
export async function cleanupLeftovers(options: CleanupLeftoversOptions): Promise<{ deleted: string[]; problems: string[] }> {
  const redactor = new Redactor();
  const progress = (line: string) => options.onProgress?.(redactor.text(line));
  const { target, api } = connect(options, redactor);
  const namespace = options.plan.namespace;
  let bucket = options.bucket ?? undefined;
  if (options.bucket === undefined) {
    try {
      const collected = await collectLiveState(api, { plan: options.plan, target, redactor, signal: options.signal });
      bucket = bucketHookFromPlan(collected.state, options.plan, collected.credentials, { env: options.env, endpoint: options.s3Endpoint, onNote: progress, redactor });
    } catch (error) {
      progress(`cleanup: bucket access not available (${describeError(error)}); deletions are not confirmed in the bucket`);
    }
  }
  const ctx: CleanupContext = {
    api,
    veleroNamespace: namespace,
    deadlineMs: parseGoDuration(options.plan.drill.timeouts.deletion) ?? 300_000,
    pollMs: options.pollMs,
    signal: options.signal,
    onProgress: progress,
    bucket: bucket ?? undefined,
  };
  const outcome = emptyOutcome();
  const list = async (type: (typeof R)[keyof typeof R], ns?: string) => {
    try {
      return (await api.list(type, { namespace: ns, labelSelector: MANAGED_SELECTOR, signal: options.signal })).items;
    } catch (error) {
      outcome.problems.push(`could not list ${type.plural}${ns ? ` in ${ns}` : ''}: ${describeError(error)}`);
      return [];
    }
  };
  progress(`cleanup: looking for objects labelled ${MANAGED_SELECTOR}`);
  for (const restore of await list(R.restores, namespace)) mergeOutcome(outcome, await deleteRestoreWhenDone(ctx, restore.metadata.name));
  const namespaces = await list(R.namespaces);
  for (const ns of namespaces) mergeOutcome(outcome, await deleteIfOurs(ctx, R.namespaces, ns.metadata.name, undefined, { waitGone: false }));
  for (const backup of await list(R.backups, namespace)) mergeOutcome(outcome, await deleteBackupThroughVelero(ctx, backup.metadata.name));
  for (const request of await list(R.deleteBackupRequests, namespace)) {
    if ((request.status as { phase?: string } | undefined)?.phase === 'Processed') mergeOutcome(outcome, await deleteIfOurs(ctx, R.deleteBackupRequests, request.metadata.name, namespace));
  }
  // Namespaces last: their deletion runs in the background meanwhile.
  for (const ns of namespaces) mergeOutcome(outcome, await deleteIfOurs(ctx, R.namespaces, ns.metadata.name, undefined, { waitGone: true }));
  if (options.bucket === undefined) bucket?.close?.();
  api.client.close();
  const deleted = [...new Set(outcome.deleted)];
  progress(`cleanup: ${deleted.length ? `deleted ${deleted.join(', ')}` : 'nothing to delete'}${outcome.problems.length ? `; problems: ${outcome.problems.join('; ')}` : ''}`);
  return { deleted, problems: outcome.problems.map((problem) => redactor.text(problem)) };
}

/**
 * A BucketHook over harness/bucket for the plan's BackupStorageLocation. Credentials: the
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY environment if set, else the credentials Secret read in
 * memory. Returns undefined (with a note) when the bucket cannot be addressed or no credentials exist.
 */
export function bucketHookFromPlan(
  state: State,
  plan: BackupPlan,
  credentials: S3Credentials | undefined,
  options: { env?: Record<string, string | undefined>; endpoint?: string; onNote?: (line: string) => void; deadlineMs?: number; redactor?: Redactor } = {},
): BucketHook | undefined {
  const note = options.onNote ?? (() => undefined);
  let location: S3Location;
  let chosen: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  try {
    const endpoint = options.endpoint ?? endpointOverrideFromEnv(options.env ?? process.env);
    const bsl = state.objects.backupStorageLocations.find((candidate) => candidate.metadata.name === plan.storage.locationName);
    location = bsl
      ? s3LocationFromBsl(bsl, { endpoint })
      : { endpoint: endpoint ?? plan.storage.s3Url, bucket: plan.storage.bucket, prefix: plan.storage.prefix, region: plan.storage.region, forcePathStyle: plan.storage.s3ForcePathStyle };
    const fromEnv = credentialsFromEnv(options.env ?? process.env);
    // Values from the environment are as secret as the Secret's: nothing may print them.
    if (fromEnv) for (const value of [fromEnv.accessKeyId, fromEnv.secretAccessKey, fromEnv.sessionToken]) options.redactor?.add(value);
    chosen = fromEnv ?? (credentials ? { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey } : undefined);
  } catch (error) {
    note(`bucket: not read: ${describeError(error)}`);
    return undefined;
  }
  if (!chosen) {
    note(`bucket: not read: no S3 credentials (the Secret ${plan.namespace}/${plan.credentials.secretName} could not be read and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set)`);
    return undefined;
  }
  const deadlineMs = options.deadlineMs ?? 60_000;
  const client = createS3Client({ endpoint: location.endpoint, region: location.region, forcePathStyle: location.forcePathStyle, credentials: chosen });
  return {
    async collect(_state, focus) {
      try {
        return await collectBucket({
          endpoint: location.endpoint,
          bucket: location.bucket,
          prefix: location.prefix,
          region: location.region,
          forcePathStyle: location.forcePathStyle,
          credentials: chosen!,
          backupNames: focus?.backupNames ?? [],
          volumeNamespaces: focus?.volumeNamespaces ?? [],
          deadlineMs,
          client,
        });
      } catch (error) {
        if (error instanceof BucketAccessError) return unreadableBucketState(location, error.message);
        throw error;
      }
    },
    async backupFilesGone(backupName) {
      return (await listBackupFiles({ client, bucket: location.bucket }, location.prefix, backupName, { deadlineMs: Math.min(deadlineMs, 30_000) })).length === 0;
    },
    async restoreFilesGone(restoreName) {
      return (await listRestoreFiles({ client, bucket: location.bucket }, location.prefix, restoreName, { deadlineMs: Math.min(deadlineMs, 30_000) })).length === 0;
    },
    close() {
      client.destroy();
    },
  };
}
