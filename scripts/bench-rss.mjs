// Preloaded by scripts/bench.ts into every node process it measures (NODE_OPTIONS=--import):
// appends the process's peak resident set size (KB) and CPU time (µs, all threads) to
// BENCH_RSS_FILE when it exits.
import { appendFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    appendFileSync(file, `${process.pid} ${usage.maxRSS} ${usage.userCPUTime + usage.systemCPUTime}\n`);
  });
}
