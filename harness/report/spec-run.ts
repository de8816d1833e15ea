/**
 * The spec run of `npm run audit`, started in a worker thread as soon as the CLI knows its
 * options, so that importing and starting vitest (about half a second of CPU, whatever the
 * target) overlaps with collecting and judging the target on the main thread instead of
 * following it. The thread's globalSetup waits for the judged run; `judge` hands it over and
 * resolves with the report the audit reporter built. Nothing of the state but its facts crosses
 * to the thread (docs/performance.md).
 */
import { Worker } from 'node:worker_threads';
import type { RunContext } from '../run-context.ts';
import type { AuditReport } from './model.ts';

export interface SpecRunData {
  reportDir: string;
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
  const worker = new Worker(new URL('./spec-run-thread.mjs', import.meta.url), { workerData: { reportDir: options.reportDir } satisfies SpecRunData });
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
