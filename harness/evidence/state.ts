/**
 * Evidence → State: the objects the readers produced go into the State the judges read, with
 * a summary of what the evidence shows, what it proves was looked for, and where each object
 * came from. Objects shown more than once (a describe pasted twice, a table before and after a
 * delete) keep their latest observation, as a person reading the paste top to bottom would.
 */
import { buildState } from '../collect/objects.ts';
import { KIND_COLLECTIONS, kindKey, type KubeObject, type ObjectCollection, type State } from '../state.ts';
import type { EvidenceRead } from './read.ts';
import { redactSecrets } from '../redact.ts';

function redactDeep<T>(value: T): T {
  // eslint-disable-next-line no-control-regex
  if (typeof value === 'string') return redactSecrets(value).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '') as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, redactDeep(child)])) as T;
  return value;
}
import { provenanceKey, type EvidenceKind, type EvidenceSummary, type Provenance } from './types.ts';

const ALL_KINDS: EvidenceKind[] = [...new Set(Object.values(KIND_COLLECTIONS)), 'secrets'];

/** Merge a later observation of the same object into the earlier one (later fields win). */
function mergeObject(earlier: KubeObject, later: KubeObject): KubeObject {
  return {
    ...earlier,
    ...later,
    metadata: { ...earlier.metadata, ...later.metadata, labels: { ...(earlier.metadata.labels ?? {}), ...(later.metadata.labels ?? {}) } },
    spec: { ...(earlier.spec ?? {}), ...(later.spec ?? {}) },
    status: later.status?.phase !== undefined || !earlier.status ? { ...(later.status ?? {}) } : { ...earlier.status, ...later.status },
  };
}

/** A paste's objects, each once: an object shown more than once keeps its latest observation (merged). */
function latestObservations(read: EvidenceRead['objects']): EvidenceRead['objects'] {
  const byKey = new Map<string, { object: KubeObject; at: Provenance }>();
  const order: string[] = [];
  for (const { object, at } of read) {
    const collection = KIND_COLLECTIONS[kindKey(object)] ?? (object.kind === 'Secret' ? 'secrets' : object.kind);
    // A paste is about one Velero install: its namespace may not be the plan's (openshift-adp, …).
    const key = `${collection}//${object.metadata.name}`;
    const previous = byKey.get(key);
    if (previous) byKey.set(key, { object: mergeObject(previous.object, object), at });
    else {
      byKey.set(key, { object, at });
      order.push(key);
    }
  }
  return order.map((key) => byKey.get(key)!);
}

export interface EvidenceStateOptions {
  namespace: string;
  credentialKeys: string[];
  description: string;
  hasBucketCapture: boolean;
}

export function evidenceState(read: EvidenceRead, options: EvidenceStateOptions): State {
  const isPaste = read.textFiles.length > 0 || read.recognised.some((entry) => entry.reader.startsWith('velero debug bundle'));
  // A capture keeps every object as read, in order (duplicates across files are the capture's own);
  // only a paste merges the observations of one object.
  const objects = isPaste ? latestObservations(read.objects) : read.objects;
  const shownNamespaces = new Set(objects.filter(({ object }) => object.apiVersion.startsWith('velero.io/')).map(({ object }) => object.metadata.namespace));
  if (isPaste) {
    // Status texts of pasted objects are printed as evidence: redact them like pasted lines.
    for (const { object } of objects) if (object.status) object.status = redactDeep(object.status);
    for (const { object } of objects) {
      const namespaced = object.apiVersion.startsWith('velero.io/') || ['Pod', 'Deployment', 'DaemonSet'].includes(object.kind);
      if (namespaced && object.metadata.namespace !== options.namespace) {
        object.metadata = { ...object.metadata, annotations: { ...(object.metadata.annotations ?? {}), 'velero-verify/shown-namespace': String(object.metadata.namespace ?? '') }, namespace: options.namespace };
      }
    }
  }
  const state = buildState(
    objects.map(({ object }) => object),
    { source: { target: 'snapshot', description: options.description, files: read.files }, namespace: options.namespace, credentialKeys: options.credentialKeys },
  );
  const shown = new Set<EvidenceKind>();
  for (const [collection, list] of Object.entries(state.objects)) if ((list as unknown[]).length > 0) shown.add(collection as EvidenceKind);
  for (const kind of read.logs) shown.add(kind);
  if (options.hasBucketCapture) shown.add('bucket');

  let mode: EvidenceSummary['mode'] = 'paste';
  const lookedFor = new Set<EvidenceKind>(read.lookedFor);
  if (read.captureKinds) {
    mode = 'capture';
    for (const kind of read.captureKinds) lookedFor.add(kind);
  } else if (!isPaste && read.objectFiles.length > 0) {
    // Whole files of kubectl objects spanning several kinds: a capture as the README's commands
    // write it, where a missing kind means there is none. One kind alone (a single Backup's YAML,
    // `kubectl get backups -o yaml`) proves nothing about the others.
    const collections = new Set(Object.entries(state.objects).filter(([, list]) => (list as unknown[]).length > 0).map(([name]) => name));
    if (collections.size >= 3) {
      mode = 'capture';
      for (const kind of ALL_KINDS) lookedFor.add(kind);
    }
  }
  // Where each object was read, for quoting: pastes only (a capture's objects are named by their fields, and may be many).
  const provenance: Record<string, Provenance> = {};
  if (mode === 'paste') {
    for (const { object, at } of objects) {
      const collection = (KIND_COLLECTIONS[kindKey(object)] ?? 'secrets') as ObjectCollection | 'secrets';
      provenance[provenanceKey(collection, object)] = at;
    }
  }
  if (mode === 'paste') {
    // A pasted time is the time of the paste's own objects, not "now": freshness needs --now.
    delete state.capturedAt;
  }
  state.evidence = {
    mode,
    shown: [...shown].sort(),
    lookedFor: [...lookedFor].sort(),
    recognised: read.recognised,
    provenance,
    signatures: read.signatures,
    unread: read.unread,
    ...(shownNamespaces.size > 0 && isPaste ? { shownNamespaces: [...shownNamespaces].filter((n): n is string => !!n) } : {}),
  };
  return state;
}
