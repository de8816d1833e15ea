/**
 * The judge contract: a pure function `(context) → Finding`. No I/O, no clock except `now`.
 */
import type { ItemId, TargetKind } from '../catalog.ts';
import type { BackupPlan } from '../plan.ts';
import type { State } from '../state.ts';
import type { DrillResult } from '../drill/types.ts';

export interface JudgeContext {
  state: State;
  plan: BackupPlan;
  target: TargetKind;
  /** The reference time: `--now`, the capture time of a snapshot, or the wall clock on live targets. */
  now: Date;
  /** `--backup NAME`: the manual backup to judge; on live targets with a drill, the drill backup. */
  backupName?: string;
  /** The canary drill's outcome, on targets that ran it. */
  drill?: DrillResult;
}

export type FindingStatus = 'pass' | 'fail' | 'skip';

export interface Finding {
  id: ItemId;
  status: FindingStatus;
  /** One line: what was decided, e.g. "BSL default is Available (validated 40s ago)". */
  summary: string;
  /** What was expected, quoting the plan where it says so. */
  expected?: string;
  /** The fields that decided it: "Backup verification-test: status.phase = PartiallyFailed". */
  evidence: string[];
  /** What to do; shown only on failure. */
  remediation?: string;
  /** Things that did not fail the item but a person should read (e.g. cron runs in UTC). */
  warnings?: string[];
  /** A failure that destroys data or exposes it (e.g. an expiration rule over kopia/). */
  critical?: boolean;
  /** The failure signature's stable code (harness/triage/signatures.ts), when one explains the failure. */
  code?: string;
  /** The cause in one sentence, from the signature registry. */
  cause?: string;
  /** The fix, from the signature registry. */
  fix?: string;
  /** Quoted input lines the finding stands on (pasted evidence: file and line). */
  quotes?: EvidenceQuote[];
}

/** A line of the user's input, quoted as evidence (already redacted). */
export interface EvidenceQuote {
  text: string;
  source: string;
  line: number;
}

export type Judge = (context: JudgeContext) => Finding;

export function pass(id: ItemId, summary: string, evidence: string[], extra: Partial<Finding> = {}): Finding {
  return { id, status: 'pass', summary, evidence, ...extra };
}

export function fail(id: ItemId, summary: string, evidence: string[], remediation: string, extra: Partial<Finding> = {}): Finding {
  return { id, status: 'fail', summary, evidence, remediation, ...extra };
}

export function skip(id: ItemId, reason: string, evidence: string[] = []): Finding {
  return { id, status: 'skip', summary: reason, evidence };
}

/** `expected` and, when there are any, `warnings` for pass()/fail(). */
export function details(expected: string, warnings: string[] = []): { expected: string; warnings?: string[] } {
  return warnings.length ? { expected, warnings: [...warnings] } : { expected };
}
