// Entry of the spec-run thread (spec-run.ts). Node 20 does not apply the parent's `--import tsx`
// to worker threads, so the thread registers tsx itself before loading the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./spec-run-thread.ts');
