// Preloaded by scripts/bench.ts into every node process it measures (NODE_OPTIONS=--import):
// appends the process's peak resident set size (KB) to BENCH_RSS_FILE when it exits.
import { appendFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) process.on('exit', () => appendFileSync(file, `${process.pid} ${process.resourceUsage().maxRSS}\n`));
