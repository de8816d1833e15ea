/**
 * The shape of the failure-signature registry (harness/triage/signatures.ts) and of its list of
 * texts that are not failures.
 */
import type { ItemId } from '../../catalog.ts';

/** Popeye-style levels. Every signature fails its item; `warning` marks a state that may still resolve on its own or degrades rather than breaks. */
export type SignatureSeverity = 'error' | 'warning';

export type ObjectKind =
  | 'Backup'
  | 'Restore'
  | 'Schedule'
  | 'BackupStorageLocation'
  | 'BackupRepository'
  | 'PodVolumeBackup'
  | 'PodVolumeRestore';

/** Which program wrote a log line; some messages mean different things in the server and in the node agent. */
export type Component = 'server' | 'node-agent';

export interface Signature {
  /** Stable code, `VV-<AREA>-<NNN>`. */
  code: string;
  /** The catalog item this failure fails. */
  item: ItemId;
  severity: SignatureSeverity;
  /** A few words, for tables. */
  title: string;
  /**
   * Shapes of one line (or a line joined with its `caused by:` / `status code:` continuation)
   * that show this failure; the first that matches wins. Named groups become template values.
   */
  patterns?: readonly RegExp[];
  /** Literal strings of which a line must contain one before the patterns run (a cheap pre-filter; each pattern must require one of them). */
  needles?: readonly string[];
  /** Phases of an object that show this failure (the latest observation of each object counts). */
  phases?: { kind: ObjectKind; phases: readonly string[] };
  /** The line must also show one of these (e.g. that the failing request went to the object store). */
  requires?: readonly RegExp[];
  /** A line that also shows one of these is not this failure. */
  unless?: readonly RegExp[];
  /** Only in this program's log (known from a start-up line or the file name). */
  component?: Component;
  /** Codes that, on the same line, say the same thing more precisely. */
  supersededBy?: readonly string[];
  /** A catch-all for the item: dropped when a more precise signature of the same item matched anywhere. */
  fallback?: boolean;
  /** Template values that make two matches separate findings (default: one finding per code). */
  distinctBy?: readonly string[];
  /** One sentence; `{name}` or `{name|default}` are filled from the match. */
  cause: string;
  /** What to do; same templating. */
  fix: string;
}

/** Text that looks like trouble and is not (docs/velero-facts.md, "Failure signatures: not failures"). A line matching one never matches a signature. */
export interface NonFailure {
  id: string;
  pattern: RegExp;
  why: string;
}
