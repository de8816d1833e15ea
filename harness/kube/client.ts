/**
 * Raw JSON requests to the Kubernetes API with the kubeconfig's credentials (client-node does
 * the auth: client certificates, tokens, exec plugins, CA, proxies), a deadline per call and
 * retries with backoff on 5xx, 429 and dropped connections within that deadline.
 *
 * Why not client-node's generated `CoreV1Api`: it deserialises into model classes (timestamps
 * become `Date`, unknown fields are dropped), while State must hold the objects exactly as the
 * API server wrote them — the same JSON a snapshot of `kubectl get -o yaml` holds.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  AbortedError,
  abortReason,
  describeRequest,
  KubeApiError,
  KubeTransportError,
  type KubeStatusBody,
  type RequestDescription,
} from './errors.ts';
import { formatDuration } from '../duration.ts';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface KubeClientOptions {
  /** Deadline of one call including its retries (default 30 s). */
  deadlineMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Told about each retry (redacted by the caller before it is shown). */
  onRetry?: (line: string) => void;
}

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** `json` (default) parses the body; `text` returns it as a string (pod logs). */
  accept?: 'json' | 'text';
  deadlineMs?: number;
  signal?: AbortSignal;
  describe: RequestDescription;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError(abortReason(signal)));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(abortReason(signal!)));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class KubeClient {
  readonly server: string;
  private readonly deadlineMs: number;
  private readonly retry: RetryPolicy;
  /** One keep-alive agent per client: a TLS handshake per request is slow on a busy API server. */
  private keepAliveAgent?: http.Agent;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly options: KubeClientOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('KubeClient needs a kubeconfig with a current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
    this.deadlineMs = options.deadlineMs ?? 30_000;
    this.retry = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 3_000, ...options.retry };
  }

  get config(): KubeConfig {
    return this.kubeConfig;
  }

  /** Close pooled connections (idle ones never keep the process alive; this frees them at once). */
  close(): void {
    this.keepAliveAgent?.destroy();
    this.keepAliveAgent = undefined;
  }

  url(path: string, query: KubeRequest['query'] = {}): URL {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    return url;
  }

  /** One request with retries; resolves to the parsed JSON (or text) body, rejects with KubeApiError/KubeTransportError/AbortedError. */
  async request<T = unknown>(request: KubeRequest): Promise<T> {
    const deadlineMs = request.deadlineMs ?? this.deadlineMs;
    const deadline = Date.now() + deadlineMs;
    let attempt = 0;
    // When the deadline cuts the last attempt short, the server's last real answer is the better error.
    let lastApiError: KubeApiError | undefined;
    const final = (failure: Error) => (failure instanceof KubeTransportError && failure.code === 'ETIMEDOUT' && lastApiError ? lastApiError : failure);
    for (;;) {
      attempt += 1;
      if (request.signal?.aborted) throw new AbortedError(abortReason(request.signal));
      const remaining = deadline - Date.now();
      let retryable: { why: string; afterMs?: number } | undefined;
      let failure: Error;
      try {
        const response = await this.once(request, Math.max(remaining, 1), deadlineMs);
        if (response.status >= 200 && response.status < 300) {
          if (request.accept === 'text') return response.body as T;
          return (response.body ? JSON.parse(response.body) : undefined) as T;
        }
        failure = lastApiError = toApiError(response, request.describe);
        if (RETRYABLE_STATUS.has(response.status)) {
          const retryAfter = Number(response.headers['retry-after']);
          retryable = { why: `HTTP ${response.status}`, afterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined };
        }
      } catch (error) {
        if (error instanceof AbortedError) throw error;
        failure = error as Error;
        const code = (error as KubeTransportError).code;
        if (error instanceof KubeTransportError && code && RETRYABLE_CODES.has(code)) retryable = { why: code };
      }
      if (!retryable || attempt >= this.retry.maxAttempts) throw final(failure);
      const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.min(retryable.afterMs ?? backoff * (1 + Math.random() * 0.25), this.retry.maxDelayMs);
      if (Date.now() + delay >= deadline) throw final(failure);
      this.options.onRetry?.(`retrying ${describeRequest(request.describe)} after ${retryable.why} (attempt ${attempt + 1})`);
      await sleep(delay, request.signal);
    }
  }

  /** One attempt, aborted after `timeoutMs` (what is left of the call's `deadlineMs`, which the message names). */
  private async once(request: KubeRequest, timeoutMs: number, deadlineMs: number): Promise<RawResponse> {
    const url = this.url(request.path, request.query);
    const options: https.RequestOptions = { headers: {} };
    // client-node fills in the agent (CA, client cert, skip-verify) and the Authorization header.
    await this.kubeConfig.applyToHTTPSOptions(options);
    // Headers (tokens, exec credentials) are applied per request; the connection pool is reused.
    // Proxy agents (hpagent, socks) are used as client-node built them.
    const built = options.agent as http.Agent | undefined;
    if (built && (built.constructor === https.Agent || built.constructor === http.Agent)) {
      this.keepAliveAgent ??= new (built.constructor as typeof http.Agent)({ ...(built as unknown as { options: http.AgentOptions }).options, keepAlive: true });
      options.agent = this.keepAliveAgent;
      built.destroy();
    }
    const headers: Record<string, string> = { ...(options.headers as Record<string, string>), Accept: request.accept === 'text' ? 'text/plain, */*' : 'application/json' };
    let payload: string | undefined;
    if (request.body !== undefined) {
      payload = JSON.stringify(request.body);
      headers['Content-Type'] = request.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise<RawResponse>((resolve, reject) => {
      const abortSignal = request.signal;
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        abortSignal?.removeEventListener('abort', onAbort);
        fn();
      };
      const req = transport.request(url, { ...options, method: request.method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') })));
        res.on('error', (error: NodeJS.ErrnoException) => finish(() => reject(new KubeTransportError(request.describe, error.code ?? 'ECONNRESET', `${describeRequest(request.describe)}: ${error.message}`))));
      });
      const timer = setTimeout(() => {
        req.destroy();
        finish(() => reject(new KubeTransportError(request.describe, 'ETIMEDOUT', `${describeRequest(request.describe)}: no answer within the ${formatDuration(deadlineMs)} deadline`)));
      }, timeoutMs);
      const onAbort = () => {
        req.destroy();
        finish(() => reject(new AbortedError(abortReason(abortSignal!))));
      };
      abortSignal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error: NodeJS.ErrnoException) => {
        finish(() => reject(new KubeTransportError(request.describe, error.code, `${describeRequest(request.describe)}: ${error.message} (${this.server})`)));
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}

function toApiError(response: RawResponse, describe: RequestDescription): KubeApiError {
  let body: KubeStatusBody | undefined;
  try {
    body = JSON.parse(response.body) as KubeStatusBody;
  } catch {
    body = undefined;
  }
  const message = body?.message ?? (response.body.slice(0, 200) || `HTTP ${response.status}`);
  return new KubeApiError(response.status, describe, body?.reason, `${describeRequest(describe)}: HTTP ${response.status}${body?.reason ? ` ${body.reason}` : ''}: ${message}`, body);
}
