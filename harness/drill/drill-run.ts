/**
 * What the drill's steps share: the run's names, its result, the objects it created (for cleanup
 * in reverse), the signal of the step that runs, and the small actions every step uses — create a
 * labelled object, run a canary pod and read its log line, delete a pod and wait.
 */
import type { BackupPlan } from '../plan.ts';
import type { KubeObject } from '../state.ts';
import type { KubeApi } from '../kube/api.ts';
import { isAborted, isConflict, throwIfAborted } from '../kube/errors.ts';
import type { Redactor } from '../redact.ts';
import { R, type ResourceType } from '../kube/resources.ts';
import { waitFor, type ObjectRef } from '../kube/wait.ts';
import { drillTimeout, isOurs, parseCanaryLog, POD_NAMES, type CanaryLogLine, type DrillNames, type PodRole } from './canary.ts';
import { deleteIfOurs, type BackupFilesProbe } from './cleanup.ts';
import type { DrillResult } from './types.ts';
import type { VeleroRelease } from './velero-rules.ts';

/** Annotation with the moment a run's objects may be swept (its start + the run's budget). */
export const EXPIRES_AT_ANNOTATION = 'velero-verify/expires-at';

/** A step failed for a reason worth showing as is; `refs` are the objects diagnostics should show. */
export class DrillStepError extends Error {
  override readonly name = 'DrillStepError';
  constructor(
    message: string,
    readonly refs: ObjectRef[] = [],
    readonly phase?: string,
  ) {
    super(message);
  }
}

export interface Created {
  type: ResourceType;
  name: string;
  namespace?: string;
}

export function phase(object: KubeObject | undefined): string | undefined {
  return (object?.status as { phase?: string } | undefined)?.phase;
}

/** Container states that will not fix themselves: fail now instead of waiting for the deadline. */
const HOPELESS_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError']);

function hopelessReason(pod: KubeObject | undefined): string | undefined {
  const statuses = ((pod?.status as { containerStatuses?: Array<{ state?: { waiting?: { reason?: string; message?: string } } }> } | undefined)?.containerStatuses) ?? [];
  for (const status of statuses) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && HOPELESS_WAITING.has(waiting.reason)) return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
  }
  return undefined;
}

export interface DrillRunInit {
  api: KubeApi;
  plan: BackupPlan;
  names: DrillNames;
  redactor: Redactor;
  result: DrillResult;
  pollMs: number;
  expectedSha256: string;
  expiresAtIso: string;
  now: () => number;
  bucket?: BackupFilesProbe;
  onProgress?: (line: string) => void;
}

export class DrillRun {
  readonly api: KubeApi;
  readonly plan: BackupPlan;
  readonly names: DrillNames;
  readonly redactor: Redactor;
  readonly result: DrillResult;
  readonly pollMs: number;
  readonly expectedSha256: string;
  readonly now: () => number;
  readonly bucket?: BackupFilesProbe;
  /** Everything this run created, in order (cleanup goes in reverse). */
  readonly created: Created[] = [];
  /** The signal of the step that runs: the drill's, plus the step's own deadline. */
  signal: AbortSignal = new AbortController().signal;
  /** The phase of the object the running step waits on (reported with the step). */
  stepPhase?: string;
  /** The objects diagnostics show if the running step fails. */
  diagnosticRefs: ObjectRef[] = [];
  /** The Velero release preflight found, and whose rules the steps apply. */
  release: VeleroRelease = {};
  private readonly expiresAtIso: string;
  private readonly onProgress?: (line: string) => void;

  constructor(init: DrillRunInit) {
    this.api = init.api;
    this.plan = init.plan;
    this.names = init.names;
    this.redactor = init.redactor;
    this.result = init.result;
    this.pollMs = init.pollMs;
    this.expectedSha256 = init.expectedSha256;
    this.expiresAtIso = init.expiresAtIso;
    this.now = init.now;
    this.bucket = init.bucket;
    this.onProgress = init.onProgress;
  }

  get runId(): string {
    return this.names.runId;
  }

  progress(line: string): void {
    this.onProgress?.(this.redactor.text(line));
  }

  timeout(key: keyof BackupPlan['drill']['timeouts']): number {
    return drillTimeout(this.plan, key);
  }

  waitOptions(deadlineMs: number, describe?: (object: KubeObject | undefined) => string) {
    return { deadlineMs, pollMs: this.pollMs, signal: this.signal, onProgress: (line: string) => this.progress(line), describe };
  }

  async sleep(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    throwIfAborted(this.signal);
  }

  /** Create a labelled object and remember it for cleanup (before the call: a lost answer must still be cleaned up). */
  async createOwned(type: ResourceType, manifest: KubeObject): Promise<KubeObject> {
    const entry: Created = { type, name: manifest.metadata.name, namespace: manifest.metadata.namespace };
    // When a later run may sweep it, should this run never clean up (sweep.ts).
    manifest.metadata.annotations = { ...manifest.metadata.annotations, [EXPIRES_AT_ANNOTATION]: this.expiresAtIso };
    this.created.push(entry);
    // A create is never aborted in flight: the API server could still apply it after cleanup
    // looked for it. It finishes (bounded by the call deadline), then the abort is honoured.
    try {
      const object = await this.api.createOwned(type, manifest, (existing) => isOurs(existing, this.runId));
      throwIfAborted(this.signal);
      return object;
    } catch (error) {
      // A conflict api.createOwned did not resolve: the name is held by an object that is not
      // this run's, so it is not this run's to clean up either.
      if (isConflict(error)) this.created.splice(this.created.indexOf(entry), 1);
      throw error;
    }
  }

  /** Wait for a pod to run (writer) or finish (marker, verifier) and return its canary log line. */
  async runPod(namespace: string, role: PodRole, logRole = role as string): Promise<CanaryLogLine> {
    const deadlineMs = this.timeout('podReady');
    const deadlineAt = Date.now() + deadlineMs;
    const ref = { type: R.pods, name: POD_NAMES[role], namespace };
    const done = role === 'writer' ? ['Running', 'Succeeded', 'Failed'] : ['Succeeded', 'Failed'];
    const pod = await waitFor(
      this.api,
      ref,
      (object) => !object || done.includes(phase(object) ?? '') || hopelessReason(object) !== undefined,
      this.waitOptions(deadlineMs, (object) => {
        const reason = hopelessReason(object);
        return object ? `phase ${phase(object) ?? 'Pending'}${reason ? ` (${reason})` : ''}` : 'absent';
      }),
    );
    if (!pod) throw new DrillStepError(`pod ${namespace}/${ref.name} disappeared`, [ref]);
    const hopeless = hopelessReason(pod);
    if (hopeless) throw new DrillStepError(`pod ${namespace}/${ref.name} cannot start: ${hopeless} (image ${this.plan.drill.image}; set drill.image to an image the cluster can pull)`, [ref]);
    if (phase(pod) === 'Failed') throw new DrillStepError(`pod ${namespace}/${ref.name} failed`, [ref]);
    return this.waitForPodLog(namespace, role, logRole, deadlineAt);
  }

  private async waitForPodLog(namespace: string, role: PodRole, logRole: string, deadlineAt: number): Promise<CanaryLogLine> {
    const podName = POD_NAMES[role];
    for (;;) {
      throwIfAborted(this.signal);
      try {
        const line = parseCanaryLog(await this.api.podLog(namespace, podName, { signal: this.signal, deadlineMs: Math.max(this.pollMs * 2, 1_000) }), logRole);
        if (line) return line;
      } catch (error) {
        if (isAborted(error)) throw error;
      }
      if (Date.now() + this.pollMs > deadlineAt) {
        throw new DrillStepError(`pod ${namespace}/${podName} printed no "velero-verify role=${logRole}" line within the pod timeout`, [{ type: R.pods, name: podName, namespace }]);
      }
      await this.sleep(this.pollMs);
    }
  }

  async deletePodAndWait(namespace: string, role: PodRole): Promise<void> {
    const outcome = await deleteIfOurs(
      { api: this.api, veleroNamespace: this.names.veleroNamespace, runId: this.runId, deadlineMs: this.timeout('podReady'), pollMs: this.pollMs, signal: this.signal, onProgress: (line) => this.progress(line) },
      R.pods,
      POD_NAMES[role],
      namespace,
      { waitGone: true },
    );
    if (outcome.problems.length) throw new DrillStepError(outcome.problems.join('; '), [{ type: R.pods, name: POD_NAMES[role], namespace }]);
  }
}
