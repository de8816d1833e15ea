// The spec run of `npm run audit`, in a worker thread (started by spec-run.ts, which passes the
// vitest options in workerData). Plain JavaScript on purpose: vitest loads here without the
// TypeScript loader, which would route each of its modules through loader hooks and cost more
// than the rest of its start. vitest itself loads the audit reporter (a TypeScript module) by path.
//
// vitest starts at once; the specs' globalSetup waits for the judged run (harness/run-handoff.ts),
// which the CLI sends when the target is collected and judged. What the reporter prints and the
// report it builds go back to the CLI as messages.
import { parentPort, workerData } from 'node:worker_threads';
import { startVitest } from 'vitest/node';

/** @type {{ vitestOptions: Record<string, unknown>; reporterModule: string; reportDir: string; handoffKey: string }} */
const { vitestOptions, reporterModule, reportDir, handoffKey } = workerData;
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const send = (message) => port.postMessage(message);

let reporterRun;
let handRun;
globalThis[Symbol.for(handoffKey)] = new Promise((resolve) => (handRun = resolve));
port.on('message', (message) => {
  reporterRun = message.reporterRun;
  handRun(message.specRun);
});

let report;
const reporterOptions = {
  reportDir,
  always: true,
  run: () => reporterRun,
  print: (text) => send({ type: 'print', text }),
  onReport: (built) => (report = built),
};
try {
  const vitest = await startVitest('test', [], { ...vitestOptions, reporters: [[reporterModule, reporterOptions]], watch: false });
  await vitest.close();
  send({ type: 'done', report });
} catch (error) {
  send({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
}
