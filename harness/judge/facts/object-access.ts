/**
 * Generic, pure access to the objects of a State: by namespace and name, labels, times, read gaps, and the one-line text judges print.
 * Pure: no I/O and no clock (times are compared against the `now` a judge receives).
 */
import { formatDuration } from '../../duration.ts';
import type { KubeObject, SecretSummary, State } from '../../state.ts';

/** Objects without a namespace (some rendered inputs omit it) are taken to be in `namespace`. */
export function inNamespace<T extends KubeObject>(objects: T[], namespace: string): T[] {
  return objects.filter((object) => (object.metadata.namespace ?? namespace) === namespace);
}

export function findNamed<T extends KubeObject>(objects: T[], namespace: string, name: string): T | undefined {
  return inNamespace(objects, namespace).find((object) => object.metadata.name === name);
}

export function findSecret(state: State, namespace: string, name: string): SecretSummary | undefined {
  return state.objects.secrets.find((secret) => secret.name === name && (secret.namespace ?? namespace) === namespace);
}

export function labelOf(object: KubeObject, key: string): string | undefined {
  return object.metadata.labels?.[key];
}

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined. */
export function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isFinite(time) ? time : undefined;
}

/** Collapse line breaks and runs of spaces: summaries and evidence are one line each. */
export function oneLine(text: unknown): string {
  return String(text ?? '').replace(/\s+/g, ' ').trim();
}

/** "3h ago", "in 5m" — for evidence lines. */
export function relativeTime(now: Date, value: unknown): string {
  const time = timeOf(value);
  if (time === undefined) return 'unknown time';
  const delta = now.getTime() - time;
  return delta >= 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(-delta)}`;
}

/** Newest first by metadata.creationTimestamp, then by name (scheduled names end in a timestamp). */
export function newestFirst<T extends KubeObject>(objects: T[]): T[] {
  return [...objects].sort((a, b) => {
    const delta = (timeOf(b.metadata.creationTimestamp) ?? 0) - (timeOf(a.metadata.creationTimestamp) ?? 0);
    return delta !== 0 ? delta : b.metadata.name.localeCompare(a.metadata.name);
  });
}

/**
 * A read the collector could not make for `resource` (a plural such as `restores`): items needing
 * it are not verified. The live collector names Velero's resources with their group
 * (`restores.velero.io`), core ones without; both forms match.
 */
export function readGapFor(state: State, resource: string): string | undefined {
  const gap = state.readGaps.find((candidate) => candidate.resource === resource || candidate.resource.split('.')[0] === resource);
  return gap ? `${gap.verb} ${gap.resource}${gap.namespace ? ` in ${gap.namespace}` : ''}: ${gap.reason}` : undefined;
}
