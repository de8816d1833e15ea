#!/usr/bin/env node
// Install or upgrade Velero from the BackupPlan with Helm: `node scripts/deploy.mjs --help`.
// A thin entry: it lets Node load the TypeScript command line (scripts/deploy.ts, which runs the
// tools through the library's runner, harness/tools/run.ts) via tsx, so the script shares the plan schema and the values renderer with
// the harness instead of copying them.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./deploy.ts');
process.exitCode = await main(process.argv.slice(2));
