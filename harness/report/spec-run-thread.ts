/**
 * The spec run of `npm run audit`, in a worker thread (started by spec-run.ts). It starts vitest at
 * once; the specs' globalSetup waits for the judged run (harness/run-handoff.ts), which the CLI
 * sends when the target is collected and judged. Everything the reporter prints and the report it
 * builds go back to the CLI as messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { describeError } from '../errors.ts';
import { expectHandedRun } from '../run-handoff.ts';
import type { RunContext } from '../run-context.ts';
import { REPO_ROOT } from '../schema/reference.ts';
import { AuditReporter, SPECS_PROJECT } from './reporter.ts';
import type { FromSpecRun, SpecRunData, ToSpecRun } from './spec-run.ts';

const port = parentPort!;
const { reportDir } = workerData as SpecRunData;
const send = (message: FromSpecRun) => port.postMessage(message);

const handRun = expectHandedRun();
let reporterRun: RunContext | undefined;
port.on('message', (message: ToSpecRun) => {
  reporterRun = message.reporterRun;
  handRun(message.specRun);
});

const reporter = new AuditReporter({ reportDir, run: () => reporterRun, print: (text) => send({ type: 'print', text }), always: true });
try {
  const { startVitest } = await import('vitest/node');
  const vitest = await startVitest('test', [], {
    root: REPO_ROOT,
    config: join(REPO_ROOT, 'vitest.config.ts'),
    project: [SPECS_PROJECT],
    reporters: [reporter],
    watch: false,
    // Four small spec files that only assert on findings: one worker thread, no per-file
    // isolation, starts fastest (the test files share nothing mutable).
    pool: 'threads',
    maxWorkers: 1,
    isolate: false,
  });
  await vitest.close();
  send({ type: 'done', report: reporter.report });
} catch (error) {
  send({ type: 'failed', error: describeError(error) });
}
