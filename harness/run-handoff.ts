/**
 * Hands the run context from the CLI's spec-run thread (harness/report/spec-run-thread.ts) to the
 * specs' globalSetup, which runs in the same thread once vitest has started. vitest loads the
 * globalSetup through its own module runner, so the two sides hold different instances of this
 * module: the pending run lives on `globalThis`, under a registered symbol both can name.
 *
 * This lets vitest start (import, config, project setup) while the CLI is still collecting and
 * judging the target; the globalSetup then waits for the judged run.
 */
import type { RunContext } from './run-context.ts';

const PENDING_RUN = Symbol.for('velero-verify.pending-run');

type Holder = { [PENDING_RUN]?: Promise<RunContext> };

/** Announce that a run context will be handed over; returns the function that hands it. */
export function expectHandedRun(): (run: RunContext) => void {
  let hand!: (run: RunContext) => void;
  (globalThis as Holder)[PENDING_RUN] = new Promise<RunContext>((resolve) => (hand = resolve));
  return hand;
}

/** The run context being handed over in this thread, or undefined when nobody announced one (`npm test`). */
export function handedRun(): Promise<RunContext> | undefined {
  return (globalThis as Holder)[PENDING_RUN];
}
