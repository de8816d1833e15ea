/**
 * The S3 side of collection: a client factory, credential helpers and a request runner with a
 * deadline and retries. Credentials are passed explicitly — never picked up from the SDK's
 * default chain, never logged, never stored in State.
 *
 * Environment variables (credentialsFromEnv / endpointOverrideFromEnv):
 * - `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (optional `AWS_SESSION_TOKEN`): the audit's S3 credentials;
 * - `VELERO_VERIFY_S3_ENDPOINT`: an endpoint that replaces the BSL's `s3Url` (e.g. a port-forward,
 *   or the loopback fake in tests).
 */
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { CredentialsFileError, parseAwsCredentialsFile, profileKeys, type AwsProfiles } from '../aws-credentials-file.ts';
import { AuditInputError } from '../errors.ts';
import type { KubeObject } from '../state.ts';
import type { ProbeError } from './types.ts';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Where the bucket is: what a BSL says, possibly with the endpoint overridden. */
export interface S3Location {
  endpoint: string;
  bucket: string;
  /** BSL `objectStorage.prefix` ('' = none). */
  prefix: string;
  region: string;
  forcePathStyle: boolean;
}

export const ENV_ACCESS_KEY_ID = 'AWS_ACCESS_KEY_ID';
export const ENV_SECRET_ACCESS_KEY = 'AWS_SECRET_ACCESS_KEY';
export const ENV_SESSION_TOKEN = 'AWS_SESSION_TOKEN';
export const ENV_ENDPOINT_OVERRIDE = 'VELERO_VERIFY_S3_ENDPOINT';

/**
 * An S3 client for MinIO-style endpoints. Retries are ours (S3Requester), so the SDK makes one
 * attempt; checksums only when an operation requires them (older MinIO rejects the newer defaults).
 */
export function createS3Client(options: { endpoint: string; region?: string; forcePathStyle?: boolean; credentials: S3Credentials }): S3Client {
  // The SDK is pinned (package-lock) to a release that supports Node 20; its notice that *later*
  // releases need Node 22 would otherwise land on stderr of every audit. A user's explicit
  // setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint: options.endpoint,
    region: options.region || 'us-east-1',
    forcePathStyle: options.forcePathStyle ?? true,
    credentials: { ...options.credentials },
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Credentials from an AWS shared-credentials file (the BSL Secret's `cloud` key, docs/velero-facts.md §6),
 * parsed in memory. Throws AuditInputError naming what is missing — never the values.
 */
export function credentialsFromCloudFile(text: string, profile = 'default'): S3Credentials {
  let parsed: AwsProfiles;
  try {
    parsed = parseAwsCredentialsFile(text);
  } catch (error) {
    throw new AuditInputError(`The S3 credentials file is not an AWS credentials file (${error instanceof CredentialsFileError ? error.message : 'unreadable'}); expected "[default]" with aws_access_key_id= and aws_secret_access_key= lines (docs/velero-facts.md §6).`);
  }
  const section = profileKeys(parsed, profile);
  if (!section) {
    const profiles = Object.keys(parsed);
    throw new AuditInputError(
      `The S3 credentials file has no [${profile}] profile${profiles.length ? ` (found: ${profiles.join(', ')})` : ''}; expected "[${profile}]" with aws_access_key_id= and aws_secret_access_key=.`,
    );
  }
  const accessKeyId = section.accessKeyId ?? '';
  const secretAccessKey = section.secretAccessKey ?? '';
  const missing = [accessKeyId ? '' : 'aws_access_key_id', secretAccessKey ? '' : 'aws_secret_access_key'].filter(Boolean);
  if (missing.length) throw new AuditInputError(`The [${profile}] profile of the S3 credentials file lacks ${missing.join(' and ')}.`);
  const credentials: S3Credentials = { accessKeyId, secretAccessKey };
  if (section.sessionToken) credentials.sessionToken = section.sessionToken;
  return credentials;
}

/**
 * Credentials from `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), or
 * undefined when neither is set. Only one of the two set is a user error (AuditInputError).
 */
export function credentialsFromEnv(env: Record<string, string | undefined> = process.env): S3Credentials | undefined {
  const accessKeyId = env[ENV_ACCESS_KEY_ID]?.trim() ?? '';
  const secretAccessKey = env[ENV_SECRET_ACCESS_KEY]?.trim() ?? '';
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    throw new AuditInputError(`Set both ${ENV_ACCESS_KEY_ID} and ${ENV_SECRET_ACCESS_KEY} for the S3 audit, or neither (only ${accessKeyId ? ENV_ACCESS_KEY_ID : ENV_SECRET_ACCESS_KEY} is set).`);
  }
  const credentials: S3Credentials = { accessKeyId, secretAccessKey };
  const token = env[ENV_SESSION_TOKEN]?.trim();
  if (token) credentials.sessionToken = token;
  return credentials;
}

/** `VELERO_VERIFY_S3_ENDPOINT`, validated as an http(s) URL; undefined when unset. */
export function endpointOverrideFromEnv(env: Record<string, string | undefined> = process.env): string | undefined {
  const value = env[ENV_ENDPOINT_OVERRIDE]?.trim();
  if (!value) return undefined;
  return checkedEndpoint(value, ENV_ENDPOINT_OVERRIDE);
}

function checkedEndpoint(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AuditInputError(`${source} is not a URL: expected an endpoint such as "http://10.10.10.209:9000".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AuditInputError(`${source} must be an http:// or https:// URL, got "${url.protocol}".`);
  return value.replace(/\/+$/, '');
}

/**
 * The bucket location a BackupStorageLocation describes (docs/velero-facts.md §6 config keys), with an
 * optional endpoint override (`--s3-endpoint`, `VELERO_VERIFY_S3_ENDPOINT`).
 */
export function s3LocationFromBsl(bsl: KubeObject, overrides: { endpoint?: string } = {}): S3Location {
  const spec = (bsl.spec ?? {}) as { objectStorage?: { bucket?: string; prefix?: string }; config?: Record<string, string> };
  const config = spec.config ?? {};
  const name = `BackupStorageLocation ${bsl.metadata.namespace ? `${bsl.metadata.namespace}/` : ''}${bsl.metadata.name}`;
  const bucket = spec.objectStorage?.bucket;
  if (!bucket) throw new AuditInputError(`${name} has no spec.objectStorage.bucket; cannot read the bucket.`);
  const rawEndpoint = overrides.endpoint ?? config.s3Url;
  if (!rawEndpoint) {
    throw new AuditInputError(`${name} has no spec.config.s3Url and no endpoint override was given; pass --s3-endpoint or set ${ENV_ENDPOINT_OVERRIDE}.`);
  }
  const endpoint = checkedEndpoint(rawEndpoint, overrides.endpoint ? 'the S3 endpoint override' : `${name} spec.config.s3Url`);
  return {
    endpoint,
    bucket,
    prefix: spec.objectStorage?.prefix ?? '',
    region: config.region || 'us-east-1',
    forcePathStyle: String(config.s3ForcePathStyle ?? '').toLowerCase() === 'true',
  };
}

// ---------------------------------------------------------------------------------------------

/** A request that could not be made or did not succeed, with the S3 code when there was one. */
export class S3RequestError extends Error {
  constructor(
    readonly probe: ProbeError,
    readonly label: string,
  ) {
    super(`${label}: ${probe.message}`);
    this.name = 'S3RequestError';
  }
}

const RETRYABLE_CODES = new Set(['SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeTooSkewed', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'Timeout', 'SocketHangUp']);

function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof S3ServiceException) return error.$metadata?.httpStatusCode;
  const metadata = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata;
  return metadata?.httpStatusCode;
}

/** Reduce any thrown value to a ProbeError (one line, no credentials). */
export function toProbeError(error: unknown): ProbeError {
  if (error instanceof S3RequestError) return error.probe;
  const status = httpStatusOf(error);
  const anyError = error as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  let code = anyError?.code ?? anyError?.cause?.code;
  if (error instanceof S3ServiceException || status !== undefined) {
    // HEAD errors carry no body: the SDK names them by status ("NotFound", "Forbidden", "403").
    code = anyError.name && !/^\d+$/.test(anyError.name) ? anyError.name : status === 403 ? 'AccessDenied' : status === 404 ? 'NotFound' : `HTTP${status}`;
    if (code === 'Forbidden') code = 'AccessDenied';
  } else if (!code && /socket hang up/i.test(anyError?.message ?? '')) code = 'SocketHangUp';
  const message = (anyError?.message ?? String(error)).replace(/\s+/g, ' ').trim() || code || 'unknown error';
  const probe: ProbeError = { message };
  if (code) probe.code = code;
  if (status !== undefined) probe.httpStatus = status;
  return probe;
}

export function isRetryable(probe: ProbeError): boolean {
  if (probe.httpStatus !== undefined && probe.httpStatus >= 500) return true;
  return probe.code !== undefined && RETRYABLE_CODES.has(probe.code);
}

/** Time as the requester sees it; tests inject a clock so that no assertion depends on machine speed. */
export interface RequesterClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const systemClock: RequesterClock = { now: () => Date.now(), sleep };

export interface RequesterOptions {
  /** The whole budget in ms, as configured: no request starts after it and running ones are aborted at it. */
  deadlineMs: number;
  /** Per attempt (default 15s), never beyond the deadline. */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  /** First backoff (default 100ms), doubled per retry, capped at 2s. */
  backoffMs?: number;
  clock?: RequesterClock;
}

/**
 * Runs S3 calls with a per-attempt timeout and retries with backoff for 5xx/SlowDown/reset,
 * all within one deadline. Counts attempts, so callers can prove a bounded number of requests.
 * Messages name the budgets as configured ("the 800 ms deadline"), never the milliseconds that
 * happened to be left when a request started.
 */
export class S3Requester {
  count = 0;
  /** Epoch ms at which the deadline ends. */
  readonly deadlineAt: number;
  private readonly clock: RequesterClock;
  constructor(readonly options: RequesterOptions) {
    this.clock = options.clock ?? systemClock;
    this.deadlineAt = this.clock.now() + options.deadlineMs;
  }

  remainingMs(): number {
    return this.deadlineAt - this.clock.now();
  }

  /**
   * Run `attempt` (which must honour the signal it is given) until it succeeds, fails with a
   * non-retryable error, or the deadline passes. Throws S3RequestError.
   */
  async run<T>(label: string, attempt: (signal: AbortSignal) => Promise<T>, options: { timeoutMs?: number; retryTimeouts?: boolean } = {}): Promise<T> {
    let backoff = this.options.backoffMs ?? 100;
    let lastProbe: ProbeError | undefined;
    for (;;) {
      if (this.options.signal?.aborted) throw new S3RequestError({ code: 'Aborted', message: 'the collection was cancelled' }, label);
      const remaining = this.remainingMs();
      if (remaining <= 0) {
        throw new S3RequestError(
          lastProbe
            ? { ...lastProbe, message: `${lastProbe.message} (still failing when the deadline ran out)` }
            : { code: 'Deadline', message: `not attempted: the ${formatSeconds(this.options.deadlineMs)} deadline for reading the bucket ran out` },
          label,
        );
      }
      const attemptBudget = options.timeoutMs ?? this.options.requestTimeoutMs ?? 15_000;
      // Which budget can end this attempt: its own timeout, or the whole deadline (named as configured).
      const cutByDeadline = attemptBudget >= remaining;
      const endedBy = cutByDeadline ? `the ${formatSeconds(this.options.deadlineMs)} deadline` : `the ${formatSeconds(attemptBudget)} request timeout`;
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error('timeout'));
      }, Math.min(attemptBudget, remaining));
      const onOuterAbort = () => controller.abort(new Error('cancelled'));
      this.options.signal?.addEventListener('abort', onOuterAbort, { once: true });
      this.count += 1;
      try {
        return await attempt(controller.signal);
      } catch (error) {
        lastProbe = timedOut
          ? { code: 'Timeout', message: `no answer within ${endedBy}` }
          : this.options.signal?.aborted
            ? { code: 'Aborted', message: 'the collection was cancelled' }
            : toProbeError(error);
        if (!isRetryable(lastProbe) || this.options.signal?.aborted) throw new S3RequestError(lastProbe, label);
        // The deadline's own timer ended it: done, whatever the clock says a millisecond later.
        if (timedOut && (cutByDeadline || this.remainingMs() <= 0)) throw new S3RequestError(lastProbe, label);
        if (timedOut && options.retryTimeouts === false) throw new S3RequestError(lastProbe, label);
        await this.clock.sleep(Math.min(backoff, Math.max(0, this.remainingMs())), this.options.signal);
        backoff = Math.min(backoff * 2, 2_000);
      } finally {
        clearTimeout(timer);
        this.options.signal?.removeEventListener('abort', onOuterAbort);
      }
    }
  }

  /** `client.send(command)` through `run` (any S3 command object; the caller names its output type). */
  send<Output>(client: S3Client, label: string, command: object, options: { retryTimeouts?: boolean } = {}): Promise<Output> {
    const send = client.send.bind(client) as (command: object, options: { abortSignal: AbortSignal }) => Promise<unknown>;
    return this.run(label, (signal) => send(command, { abortSignal: signal }) as Promise<Output>, options);
  }
}

/** A budget as a person reads it: `800 ms`, `1.5 s`. */
export function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
