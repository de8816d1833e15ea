#!/usr/bin/env node
// Snapshot a cluster for offline audits: `node scripts/capture.mjs --out <dir> [--context C]
// [--namespace velero] [--s3-endpoint URL]` (`--help` for everything). A thin entry: it lets Node
// load the TypeScript command line (scripts/capture.ts, which runs kubectl through the library's runner, harness/tools/run.ts) via tsx,
// so the capture shares the bucket reader and the capture format with the harness.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./capture.ts');
process.exitCode = await main(process.argv.slice(2));
