/**
 * The failure-signature matcher's types: what it takes (lines of a source), what it gives (findings
 * with quoted evidence) and what it keeps per source while it reads (context, the last line for
 * a continuation, phase observations).
 */
import type { ItemId } from '../../catalog.ts';
import type { Redactor } from '../../redact.ts';
import type { Component, ObjectKind, Signature, SignatureSeverity } from '../signatures/types.ts';

export interface InputLine {
  text: string;
  /** Where the line comes from (a file name, `stdin`, a bundle member). */
  source: string;
  /** 1-based line number in that source. */
  line: number;
}

export interface EvidenceLine {
  source: string;
  line: number;
  /** The line as quoted: control characters removed, secrets redacted, long lines cut. */
  text: string;
}

export interface SignatureMatch {
  code: string;
  item: ItemId;
  severity: SignatureSeverity;
  title: string;
  cause: string;
  fix: string;
  /** How many times the finding was seen (lines for messages, objects for phases). */
  count: number;
  /** The first lines that showed it, with their source and line number. */
  evidence: EvidenceLine[];
  /** The values the cause and fix were filled from (redacted). */
  values: Record<string, string>;
}

export interface MatcherOptions {
  /** A redactor that also knows the run's secret values; a pattern-only one by default. */
  redactor?: Redactor;
  /** Lines quoted per finding (default 3). */
  maxEvidence?: number;
}

export interface Matcher {
  push(line: InputLine): void;
  /**
   * An object shown in a phase no signature reads (a Completed backup of a capture), read from the
   * parsed object rather than its lines: an earlier observation of it no longer counts.
   */
  settled(kind: ObjectKind, name: string): void;
  results(): SignatureMatch[];
}

/** A table header's kind and where its NAME, STATUS/PHASE and PAUSED columns are. */
export interface Table {
  kind: ObjectKind;
  name: number;
  status: number;
  paused: number;
}

/** What the matcher knows of one source (a file, `stdin`, a bundle member) while it reads it. */
export interface SourceState {
  component?: Component;
  kind?: ObjectKind;
  name?: string;
  /** Objects without a name are told apart by the marker that introduced them. */
  seq: number;
  /** The last command's resource, to tell a bare table's kind. */
  commandKind?: ObjectKind;
  table?: Table;
  volumes?: { kind: 'PodVolumeBackup' | 'PodVolumeRestore'; indent: number; group?: string };
  metadataIndent?: number;
  /** Indentation of the current describe output (a paste may indent everything). */
  baseIndent: number;
  /** Whether the current object's `Name:` line was seen (it sets `baseIndent`). */
  headerSeen?: boolean;
  /** Inside `kubectl describe pod`: the pod, and whether its container is waiting or terminated. */
  describingPod?: boolean;
  pod?: string;
  waiting?: boolean;
  /** The last line (with its continuations), for the next line that continues it. */
  previous: { line: number; text?: string; firstLine: number; firstText: string; accumulators?: Map<string, Accumulator> };
}

/** One finding as it grows: the signature, its values, how often and where it was seen. */
export interface Accumulator {
  signature: Signature;
  values: Record<string, string>;
  count: number;
  evidence: EvidenceLine[];
}

/** The latest phase seen of one object. */
export interface Observation {
  kind: ObjectKind;
  name?: string;
  phase: string;
  evidence: EvidenceLine;
}
