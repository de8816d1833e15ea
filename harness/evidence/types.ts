/**
 * Evidence: what a user pasted or captured, read by the readers in this folder into the same
 * Kubernetes objects the judges already use, with where each fact came from (file and line).
 *
 * "Shown" and "looked for" are different: a kind is shown when the input holds at least one of
 * it; it was looked for when the input proves someone listed it — a capture written by
 * scripts/capture.mjs, a table printed with its header and no rows. Only a kind that was looked
 * for can be judged absent (docs/triage.md, "Judge only what the evidence shows").
 */
import type { KubeObject, ObjectCollection } from '../state.ts';
import type { SignatureMatch } from '../triage/match/types.ts';

/** One line of input, with its origin. `text` is cleaned (ANSI, CR, markdown and prompts removed). */
export interface EvidenceLine {
  text: string;
  source: string;
  line: number;
}

/** What an item may read: an object collection, Secrets, the bucket, or a kind of log. */
export type EvidenceKind = ObjectCollection | 'secrets' | 'bucket' | 'serverLog' | 'nodeAgentLog' | 'backupLog' | 'maintenanceLog' | 'restoreLog';

/** Where an object read from text came from. */
export interface Provenance {
  source: string;
  line: number;
  /** The reader that produced it: "velero backup get", "velero backup describe", … */
  reader: string;
  /** The line as shown (cleaned and redacted), for quoting. */
  text?: string;
}

/** An object a reader produced, before it goes into the State. */
export interface ReadObject {
  object: KubeObject;
  at: Provenance;
}

/** One recognised block of input (shown in the report under "read"). */
export interface Recognised {
  reader: string;
  source: string;
  line: number;
  /** Number of objects or log records it yielded. */
  count: number;
}

export interface ReaderOutput {
  objects: ReadObject[];
  /** Kinds a table listed with its header and no rows (absence proven). */
  lookedFor: EvidenceKind[];
  /** Log kinds shown (server, node agent, …). */
  logs: EvidenceKind[];
  /** Lines that carry a status message, an error or a log record: fed to the signature matcher. */
  signalLines: EvidenceLine[];
  recognised: Recognised[];
}

export function emptyOutput(): ReaderOutput {
  return { objects: [], lookedFor: [], logs: [], signalLines: [], recognised: [] };
}

export function mergeOutputs(into: ReaderOutput, from: ReaderOutput): ReaderOutput {
  into.objects.push(...from.objects);
  into.lookedFor.push(...from.lookedFor);
  into.logs.push(...from.logs);
  into.signalLines.push(...from.signalLines);
  into.recognised.push(...from.recognised);
  return into;
}

/** What the State carries about its evidence (serialisable and bounded, whatever the input's size). */
export interface EvidenceSummary {
  /** `capture`: a full object capture — absence of the kinds in `lookedFor` counts. `paste`: only what is shown counts. */
  mode: 'capture' | 'paste';
  shown: EvidenceKind[];
  lookedFor: EvidenceKind[];
  recognised: Recognised[];
  /** `collection/namespace/name` → where it was read. */
  provenance: Record<string, Provenance>;
  /** What the failure-signature registry found in the input (bounded: one entry per distinct finding). */
  signatures: SignatureMatch[];
  /** Files or parts of the input no reader recognised, with what was expected. */
  unread: string[];
  /** Namespaces the pasted Velero objects were shown in (they are judged as the plan's namespace). */
  shownNamespaces?: string[];
}

export function provenanceKey(collection: string, object: KubeObject): string {
  return `${collection}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
