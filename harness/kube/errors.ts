/**
 * Errors of the Kubernetes API layer. A `KubeApiError` carries the HTTP status and the
 * `Status.reason` the API server returned, plus the verb and resource, so that callers can turn
 * a 403 into a read gap ("list secrets in velero") rather than a crash.
 */
export interface KubeStatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; group?: string; causes?: Array<{ field?: string; message?: string; reason?: string }> };
}

export interface RequestDescription {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly status: number,
    readonly request: RequestDescription,
    readonly reason: string | undefined,
    message: string,
    readonly body?: KubeStatusBody,
  ) {
    super(message);
  }
}

/** The request never got an HTTP answer (connection refused/reset, TLS failure, deadline). */
export class KubeTransportError extends Error {
  override readonly name = 'KubeTransportError';
  constructor(
    readonly request: RequestDescription,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  constructor(readonly why: string) {
    super(`aborted: ${why}`);
  }
}

function isStatus(error: unknown, status: number): error is KubeApiError {
  return error instanceof KubeApiError && error.status === status;
}

export const isNotFound = (error: unknown): error is KubeApiError => isStatus(error, 404);
export const isForbidden = (error: unknown): error is KubeApiError => isStatus(error, 403);
export const isConflict = (error: unknown): error is KubeApiError => isStatus(error, 409);

export function isAborted(error: unknown): error is AbortedError {
  return error instanceof AbortedError;
}

/** Why a signal was aborted, as text (`SIGINT`, `deadline`, …). */
export function abortReason(signal: AbortSignal): string {
  const reason = signal.reason as unknown;
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return reason.message;
  return 'aborted';
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError(abortReason(signal));
}

/** `list secrets in namespace velero`, `create backups.velero.io velero/x`. */
export function describeRequest(request: RequestDescription): string {
  const where = request.name ? ` ${request.namespace ? `${request.namespace}/` : ''}${request.name}` : request.namespace ? ` in namespace ${request.namespace}` : '';
  return `${request.verb} ${request.resource}${where}`;
}
