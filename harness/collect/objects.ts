/**
 * Turn a bag of Kubernetes objects (from any target) into a State: flatten Lists, sort objects
 * into their collections, reduce Secrets to summaries, count kinds nobody reads.
 */
import { emptyObjects, KIND_COLLECTIONS, kindKey, type KubeObject, type SourceInfo, type State } from '../state.ts';
import { summarizeSecret } from './secrets.ts';

export interface BuildStateOptions {
  source: SourceInfo;
  namespace: string;
  /** Secret keys that hold AWS credentials files (the plan's `credentials.key`). */
  credentialKeys?: string[];
}

export function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.kind === 'string' &&
    typeof candidate.apiVersion === 'string' &&
    typeof candidate.metadata === 'object' &&
    candidate.metadata !== null &&
    typeof (candidate.metadata as Record<string, unknown>).name === 'string'
  );
}

/** Expand `kind: List` (and `*List` kinds as kubectl writes them) into their items. */
export function flattenLists(values: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const value of values) {
    const candidate = value as Record<string, unknown> | null;
    if (candidate && typeof candidate.kind === 'string' && candidate.kind.endsWith('List') && Array.isArray(candidate.items)) {
      const itemKind = candidate.kind === 'List' ? undefined : candidate.kind.slice(0, -'List'.length);
      for (const item of candidate.items as unknown[]) {
        // `kubectl get x -o yaml` of a typed list may omit apiVersion/kind on items.
        const typed = item as Record<string, unknown>;
        if (itemKind && typed && typeof typed === 'object' && !typed.kind) {
          out.push(...flattenLists([{ ...typed, kind: itemKind, apiVersion: candidate.apiVersion }]));
        } else out.push(...flattenLists([item]));
      }
    } else out.push(value);
  }
  return out;
}

const TIMESTAMP_FIELDS = ['completionTimestamp', 'startTimestamp', 'lastValidationTime', 'lastSyncedTime', 'lastBackup', 'lastMaintenanceTime'];

/** The newest timestamp any object carries: the best guess of when a snapshot was captured. */
function newestTimestamp(objects: KubeObject[]): string | undefined {
  let newest = -Infinity;
  for (const object of objects) {
    const candidates = [object.metadata.creationTimestamp, ...TIMESTAMP_FIELDS.map((field) => (object.status as Record<string, unknown> | undefined)?.[field])];
    if (object.kind === 'Event') candidates.push(object.lastTimestamp as string, object.eventTime as string);
    for (const value of candidates) {
      if (typeof value !== 'string') continue;
      const time = Date.parse(value);
      if (Number.isFinite(time) && time > newest) newest = time;
    }
  }
  return Number.isFinite(newest) ? new Date(newest).toISOString() : undefined;
}

export function buildState(values: unknown[], options: BuildStateOptions): State {
  const state: State = {
    source: options.source,
    namespace: options.namespace,
    objects: emptyObjects(),
    ignoredKinds: {},
    readGaps: [],
  };
  const kept: KubeObject[] = [];
  for (const value of flattenLists(values)) {
    if (!isKubeObject(value)) {
      const kind = (value as Record<string, unknown> | null)?.kind;
      const label = typeof kind === 'string' ? `${kind} (malformed)` : '(not a Kubernetes object)';
      state.ignoredKinds[label] = (state.ignoredKinds[label] ?? 0) + 1;
      continue;
    }
    if (value.kind === 'Secret' && kindKey(value) === '/Secret') {
      state.objects.secrets.push(summarizeSecret(value, { credentialKeys: options.credentialKeys }));
      continue;
    }
    const collection = KIND_COLLECTIONS[kindKey(value)];
    if (!collection) {
      state.ignoredKinds[value.kind] = (state.ignoredKinds[value.kind] ?? 0) + 1;
      continue;
    }
    state.objects[collection].push(value);
    kept.push(value);
  }
  state.capturedAt = newestTimestamp(kept);
  const veleroCount = state.objects.backupStorageLocations.length + state.objects.backups.length + state.objects.schedules.length;
  state.veleroInstalled = veleroCount > 0 || state.objects.deployments.some((d) => d.metadata.name === 'velero');
  return state;
}
