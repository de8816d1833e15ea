/**
 * Wait for one object to reach a state, with a deadline (docs/architecture.md §6). A client-node Watch
 * (fieldSelector metadata.name=…) makes the wait react within a second; a periodic GET backs it,
 * because client-node's Watch does not reconnect, can stall silently on a broken network and
 * cannot be aborted before the response starts (docs/architecture.md §9). A watch that ends, errors or
 * reports `410 Gone` is restarted from a fresh GET, so no event is lost and nothing hangs.
 */
import type { Agent } from 'node:http';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../state.ts';
import { formatDuration } from '../duration.ts';
import type { KubeApi } from './api.ts';
import { AbortedError, abortReason, isForbidden } from './errors.ts';
import { describeRef, resourcePath, type ResourceType } from './resources.ts';
import { describeError } from '../errors.ts';

export interface ObjectRef {
  type: ResourceType;
  name: string;
  namespace?: string;
}

export interface WaitOptions {
  deadlineMs: number;
  /** Period of the backing GET (default 2 s). */
  pollMs?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  /** A heartbeat line at most this often while nothing changes (default 15 s). */
  progressEveryMs?: number;
  /** Short description of the observed state for progress lines, e.g. `phase InProgress`. */
  describe?: (object: KubeObject | undefined) => string;
  /** Use the watch (default true); the GET poll always runs. */
  watch?: boolean;
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(
    readonly ref: ObjectRef,
    readonly last: KubeObject | undefined,
    /** The deadline as configured (the message names it, not the time that happened to pass). */
    readonly deadlineMs: number,
    observed: string,
  ) {
    super(`${describeRef(ref.type, ref.name, ref.namespace)} did not reach the expected state within the ${formatDuration(deadlineMs)} deadline (last seen: ${observed})`);
  }
}

/** Default progress description: the object's status.phase, or "absent". */
function phaseOf(object: KubeObject | undefined): string {
  if (!object) return 'absent';
  const phase = (object.status as { phase?: string } | undefined)?.phase;
  return phase ? `phase ${phase}` : 'no phase yet';
}

/** A KubeConfig facade for Watch that remembers the agents it hands out, so a stalled watch can be torn down. */
function trackingConfig(config: KubeConfig, agents: Set<Agent>): KubeConfig {
  return {
    getCurrentCluster: () => config.getCurrentCluster(),
    applyToFetchOptions: async (options: object) => {
      const init = await config.applyToFetchOptions(options as never);
      if (init.agent && typeof init.agent === 'object') agents.add(init.agent as Agent);
      return init;
    },
  } as unknown as KubeConfig;
}

/**
 * Resolve with the object (or `undefined` when `until(undefined)` accepted its absence) as soon as
 * `until` returns true; reject with WaitTimeoutError at the deadline, AbortedError on abort, or
 * the KubeApiError of a 403.
 */
export function waitFor(api: KubeApi, ref: ObjectRef, until: (object: KubeObject | undefined) => boolean, options: WaitOptions): Promise<KubeObject | undefined> {
  const started = Date.now();
  const pollMs = options.pollMs ?? 2_000;
  const progressEveryMs = options.progressEveryMs ?? 15_000;
  const describe = options.describe ?? phaseOf;
  const label = describeRef(ref.type, ref.name, ref.namespace);
  const inner = new AbortController();
  const agents = new Set<Agent>();
  const watchControllers = new Set<AbortController>();
  const timers = new Set<NodeJS.Timeout>();
  let last: KubeObject | undefined;
  let seen = false;
  let lastDescription = '';
  let lastProgressAt = 0;
  let finished = false;
  let watchStartedAt = 0;

  return new Promise<KubeObject | undefined>((resolve, reject) => {
    const stop = () => {
      finished = true;
      inner.abort('wait finished');
      for (const timer of timers) clearTimeout(timer);
      for (const controller of watchControllers) controller.abort();
      // A watch whose response never started cannot be aborted through its controller (kubernetes-client/javascript#2860, docs/architecture.md §9): destroy its sockets.
      for (const agent of agents) agent.destroy();
      options.signal?.removeEventListener('abort', onAbort);
    };
    const succeed = (object: KubeObject | undefined) => {
      if (finished) return;
      stop();
      resolve(object);
    };
    const failWith = (error: Error) => {
      if (finished) return;
      stop();
      reject(error);
    };
    const later = (ms: number, fn: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!finished) fn();
      }, ms);
      timers.add(timer);
    };
    const progress = (force: boolean) => {
      if (!options.onProgress) return;
      const description = seen ? describe(last) : 'not read yet';
      const now = Date.now();
      if (force || description !== lastDescription || now - lastProgressAt >= progressEveryMs) {
        lastDescription = description;
        lastProgressAt = now;
        options.onProgress(`waiting for ${label}: ${description} (${formatDuration(now - started)} of ${formatDuration(options.deadlineMs)})`);
      }
    };
    const observe = (object: KubeObject | undefined) => {
      if (finished) return;
      last = object;
      seen = true;
      let done = false;
      try {
        done = until(object);
      } catch (error) {
        return failWith(error as Error);
      }
      progress(false);
      if (done) succeed(object);
    };

    const poll = async () => {
      try {
        const object = await api.get(ref.type, ref.name, ref.namespace, { signal: inner.signal, deadlineMs: Math.max(pollMs * 2, 1_000) });
        observe(object);
      } catch (error) {
        if (finished) return;
        if (isForbidden(error)) return failWith(error);
        options.onProgress?.(`waiting for ${label}: read failed (${describeError(error)}); trying again`);
      }
      if (!finished) later(pollMs, () => void poll());
    };

    const startWatch = async () => {
      if (finished || options.watch === false) return;
      // Never restart a watch more often than twice a second, whatever the server does.
      const wait = Math.max(0, watchStartedAt + 500 - Date.now());
      if (wait > 0) return later(wait, () => void startWatch());
      watchStartedAt = Date.now();
      const resourceVersion = last?.metadata.resourceVersion;
      let restartScheduled = false;
      const restart = () => {
        if (restartScheduled || finished) return;
        restartScheduled = true;
        // Re-read before watching again, so the new watch starts from a current resourceVersion.
        void (async () => {
          try {
            observe(await api.get(ref.type, ref.name, ref.namespace, { signal: inner.signal, deadlineMs: Math.max(pollMs * 2, 1_000) }));
          } catch {
            // The poll reports read failures; the watch only needs a resourceVersion when it can get one.
          }
          void startWatch();
        })();
      };
      try {
        const controller = await new Watch(trackingConfig(api.client.config, agents)).watch(
          resourcePath(ref.type, { namespace: ref.namespace }),
          { fieldSelector: `metadata.name=${ref.name}`, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 },
          (type: string, object: KubeObject & { code?: number }) => {
            if (finished) return;
            if (type === 'ERROR') {
              // 410 Gone (resourceVersion too old) or any other error event: resync from a GET.
              restart();
              return;
            }
            if (type === 'BOOKMARK') return;
            if (object?.metadata?.name !== ref.name) return;
            observe(type === 'DELETED' ? undefined : object);
          },
          () => restart(),
        );
        if (finished) controller.abort();
        else watchControllers.add(controller);
      } catch {
        restart();
      }
    };

    const onAbort = () => failWith(new AbortedError(abortReason(options.signal!)));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    later(options.deadlineMs, () => failWith(new WaitTimeoutError(ref, last, options.deadlineMs, seen ? describe(last) : 'never read')));
    const heartbeat = () => {
      progress(false);
      later(Math.min(progressEveryMs, 5_000), heartbeat);
    };
    progress(true);
    later(Math.min(progressEveryMs, 5_000), heartbeat);
    void (async () => {
      await poll();
    })();
    void startWatch();
  });
}
