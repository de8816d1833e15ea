/**
 * The spec run of `npm run audit`, started in a worker thread as soon as the CLI knows its
 * options, so that importing and starting vitest (about half a second of CPU, whatever the
 * target) overlaps with collecting and judging the target on the main thread instead of
 * following it. The thread's globalSetup waits for the judged run; `judge` hands it over and
 * resolves with the report the audit reporter built. Nothing of the state but its facts crosses
 * to the thread (docs/performance.md).
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { PENDING_RUN_KEY } from '../run-handoff.ts';
import type { RunContext } from '../run-context.ts';
import { REPO_ROOT } from '../schema/reference.ts';
import type { AuditReport } from './model.ts';
import { SPECS_PROJECT } from './reporter.ts';

/** What spec-run-thread.mjs starts vitest with. */
export interface SpecRunData {
  vitestOptions: Record<string, unknown>;
  /** The audit reporter, loaded by vitest from its default export. */
  reporterModule: string;
  reportDir: string;
  handoffKey: string;
}

/** CLI → thread: the run for the reporter (with the state's facts) and for the spec workers (findings only). */
export interface ToSpecRun {
  reporterRun: RunContext;
  specRun: RunContext;
}

/** Thread → CLI. */
export type FromSpecRun = { type: 'print'; text: string } | { type: 'done'; report?: AuditReport } | { type: 'failed'; error: string };

export interface SpecRun {
  /** Hand over the judged run; resolves with the report once the specs have run. */
  judge(run: ToSpecRun): Promise<AuditReport>;
  /** Stop the thread without a report (the audit could not run). */
  cancel(): Promise<void>;
}

export function startSpecRun(options: { reportDir: string; print: (text: string) => void }): SpecRun {
  const workerData: SpecRunData = {
    vitestOptions: {
      root: REPO_ROOT,
      config: join(REPO_ROOT, 'vitest.config.ts'),
      project: [SPECS_PROJECT],
      // Four small spec files that only assert on findings: one worker thread, no per-file
      // isolation, starts fastest (the test files share nothing mutable).
      pool: 'threads',
      maxWorkers: 1,
      isolate: false,
    },
    reporterModule: join(REPO_ROOT, 'harness', 'report', 'reporter.ts'),
    reportDir: options.reportDir,
    handoffKey: PENDING_RUN_KEY,
  };
  // No `--import tsx` in the thread (newer Node versions would pass the CLI's on): it loads plain JavaScript.
  const worker = new Worker(new URL('./spec-run-thread.mjs', import.meta.url), { workerData, execArgv: [] });
  // The outcome is awaited only once the run is handed over; a thread that fails before that
  // must not become an unhandled rejection.
  const outcome = new Promise<AuditReport>((resolve, reject) => {
    worker.on('message', (message: FromSpecRun) => {
      if (message.type === 'print') options.print(message.text);
      else if (message.type === 'failed') reject(new Error(message.error));
      else if (message.report) resolve(message.report);
      else reject(new Error('the spec run produced no report'));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the spec run ended (exit code ${code}) before it reported`)));
  });
  outcome.catch(() => {});
  return {
    async judge(run) {
      worker.postMessage(run satisfies ToSpecRun);
      try {
        return await outcome;
      } finally {
        await worker.terminate();
      }
    },
    async cancel() {
      await worker.terminate();
    },
  };
}
