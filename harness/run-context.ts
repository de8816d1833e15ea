/**
 * The run context: everything the specs need to judge a target, handed from the CLI (or the
 * kind tier's globalSetup) to the spec workers with vitest's provide/inject. Plain,
 * serialisable data: collection and the drill have already happened when specs run. The CLI
 * judges where the state is and sends the workers `findings` instead of `state`
 * (harness/judge/judge-run.ts).
 */
import type { ItemId, TargetKind } from './catalog.ts';
import type { Finding } from './judge/types.ts';
import type { BackupPlan } from './plan.ts';
import type { State } from './state.ts';
import type { DrillResult } from './drill/types.ts';

export interface RunContext {
  runId: string;
  target: TargetKind;
  /** Human description of what was audited (file, context, directory). */
  targetDescription: string;
  plan: BackupPlan;
  planSource: string;
  /** ISO time that judges treat as "now". */
  now: string;
  /** Where `now` comes from: `--now`, the capture's recorded time, the newest timestamp in the data, or the clock. */
  nowSource?: 'flag' | 'recorded' | 'inferred' | 'clock';
  startedAt: string;
  backupName?: string;
  state?: State;
  /** Every item judged on `state` by the process that collected it; specs assert on these when present. */
  findings?: Partial<Record<ItemId, Finding>>;
  drill?: DrillResult;
  /** Set when the whole target could not run here (e.g. kind prerequisites missing): every spec skips with it. */
  notRun?: string;
  /** Set when setting the target up failed (e.g. the kind tier's Helm install): every spec fails with it. */
  setupError?: string;
  toolVersions: Record<string, string>;
  /**
   * Items the user opted out of by a flag, with the flag (`{ 'beyond.restore': '--read-only' }`).
   * An opted-out item is reported `NOT RUN: <flag>` and does not block APPROVE on live targets.
   */
  optedOut?: Partial<Record<string, string>>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    run: RunContext;
  }
}

export function newRunId(date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-').toLowerCase();
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}
