/**
 * Hands the run context from the CLI's spec-run thread (harness/report/spec-run-thread.mjs) to the
 * specs' globalSetup, which runs in the same thread once vitest has started. vitest loads the
 * globalSetup through its own module runner and the thread is plain JavaScript, so the two sides
 * share no module: the pending run lives on `globalThis`, under a registered symbol both name
 * (the CLI passes this key to the thread).
 *
 * This lets vitest start (import, config, project setup) while the CLI is still collecting and
 * judging the target; the globalSetup then waits for the judged run.
 */
import type { RunContext } from './run-context.ts';

export const PENDING_RUN_KEY = 'velero-verify.pending-run';
const PENDING_RUN = Symbol.for(PENDING_RUN_KEY);

type Holder = { [PENDING_RUN]?: Promise<RunContext> };

/** The run context being handed over in this thread, or undefined when nobody announced one (`npm test`). */
export function handedRun(): Promise<RunContext> | undefined {
  return (globalThis as Holder)[PENDING_RUN];
}
