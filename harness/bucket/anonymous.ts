/**
 * Unsigned probes (docs/retention-and-exposure.md §5.2, rule E2): requests
 * with no Authorization header and no X-Amz-* query. MinIO checks them only against the bucket
 * policy and answers 403 AccessDenied when nothing allows them. Prefix-scoped anonymous policies
 * exist (`mc anonymous set download ALIAS/BUCKET/backups`), so the root alone is not enough.
 */
import type { AnonymousProbe } from './types.ts';
import { formatSeconds } from './client.ts';

export interface AnonymousTarget {
  endpoint: string;
  bucket: string;
  forcePathStyle: boolean;
}

/** Path-style `/<bucket>/<key>?q` or virtual-hosted `https://<bucket>.<host>/<key>?q`. */
export function objectUrl(target: AnonymousTarget, key: string | undefined, query?: Record<string, string>): { url: string; path: string } {
  const base = new URL(target.endpoint);
  const encodedKey = key === undefined ? '' : key.split('/').map(encodeURIComponent).join('/');
  const search = query ? `?${new URLSearchParams(query).toString()}` : '';
  let path: string;
  if (target.forcePathStyle) {
    const basePath = base.pathname.replace(/\/+$/, '');
    path = `${basePath}/${encodeURIComponent(target.bucket)}${key === undefined ? '' : `/${encodedKey}`}${search}`;
  } else {
    base.hostname = `${target.bucket}.${base.hostname}`;
    path = `/${encodedKey}${search}`;
  }
  return { url: `${base.protocol}//${base.host}${path}`, path };
}

export interface AnonymousProbeRequest {
  name: AnonymousProbe['name'];
  key?: string;
  query?: Record<string, string>;
}

/** The probes for a Velero bucket: list root, list `<p>backups/`, list `<p>kopia/`, GET known keys. */
export function anonymousProbeRequests(root: string, knownKeys: { backupMetadata?: string; kopiaRepository?: string }): AnonymousProbeRequest[] {
  const requests: AnonymousProbeRequest[] = [
    { name: 'list-root', query: { 'list-type': '2' } },
    { name: 'list-backups', query: { 'list-type': '2', prefix: `${root}backups/` } },
    { name: 'list-kopia', query: { 'list-type': '2', prefix: `${root}kopia/` } },
  ];
  if (knownKeys.backupMetadata) requests.push({ name: 'get-backup-metadata', key: knownKeys.backupMetadata });
  if (knownKeys.kopiaRepository) requests.push({ name: 'get-kopia-repository', key: knownKeys.kopiaRepository });
  return requests;
}

/** Send each probe once, unsigned, and record what came back. Never throws. */
export async function runAnonymousProbes(
  target: AnonymousTarget,
  requests: readonly AnonymousProbeRequest[],
  options: {
    timeoutMs: number;
    signal?: AbortSignal;
    /** Epoch ms after which no probe starts and none waits longer. */
    deadlineAt?: number;
    /** The deadline's budget as configured, for messages. */
    deadlineMs?: number;
  },
): Promise<AnonymousProbe[]> {
  const deadline = options.deadlineMs === undefined ? 'the deadline' : `the ${formatSeconds(options.deadlineMs)} deadline`;
  const results: AnonymousProbe[] = [];
  for (const request of requests) {
    const { url, path } = objectUrl(target, request.key, request.query);
    const probe: AnonymousProbe = { name: request.name, method: 'GET', path };
    const remaining = options.deadlineAt === undefined ? Infinity : options.deadlineAt - Date.now();
    const timeoutMs = Math.min(options.timeoutMs, remaining);
    // Name the budget as configured, never the milliseconds that happened to be left.
    const endedBy = options.timeoutMs < remaining ? `the ${formatSeconds(options.timeoutMs)} probe timeout` : deadline;
    if (timeoutMs <= 0) {
      probe.error = `not attempted: ${deadline} for reading the bucket ran out`;
      results.push(probe);
      continue;
    }
    const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
    try {
      const response = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.any(signals) });
      probe.status = response.status;
      // Only the error code is kept: a successful anonymous read's body is not our business to store.
      const text = response.status >= 300 ? (await response.text()).slice(0, 4096) : (await response.body?.cancel(), '');
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
      if (code) probe.code = code;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const name = (error as Error).name;
      probe.error = name === 'TimeoutError' ? `no answer within ${endedBy}` : cause ?? (error as Error).message;
    }
    results.push(probe);
  }
  return results;
}
