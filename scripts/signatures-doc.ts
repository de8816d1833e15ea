/** Rewrites docs/signatures.md from the failure-signature registry. Run: `npx tsx scripts/signatures-doc.ts`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signaturesMarkdown } from '../harness/triage/signatures-doc.ts';

writeFileSync(join(import.meta.dirname, '../docs/signatures.md'), signaturesMarkdown());
