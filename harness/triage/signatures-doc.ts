/**
 * docs/signatures.md, rendered from the registry so the two cannot drift (a test compares them;
 * `npx tsx scripts/signatures-doc.ts` rewrites the file).
 */
import { SIGNATURES } from './signatures.ts';
import { NON_FAILURES } from './signatures/non-failures.ts';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function signaturesMarkdown(): string {
  const rows = SIGNATURES.map((signature) => {
    const shows = [signature.patterns?.length ? 'message' : '', signature.phases ? `${signature.phases.kind} phase ${signature.phases.phases.filter(Boolean).join('/')}` : '']
      .filter(Boolean)
      .join('; ');
    return `| \`${signature.code}\` | \`${signature.item}\` | ${signature.severity} | ${cell(signature.title)} | ${cell(shows)} | ${cell(signature.cause)} | ${cell(signature.fix)} |`;
  });
  const nonFailures = NON_FAILURES.map((entry) => `| \`${entry.id}\` | \`${cell(entry.pattern.source)}\` | ${cell(entry.why)} |`);
  return [
    '# Failure signatures',
    '',
    '<!-- Generated from harness/triage/signatures.ts by `npx tsx scripts/signatures-doc.ts`; do not edit by hand. -->',
    '',
    'Each code names one known way a Velero installation fails, the catalog item it fails, and what to do.',
    'Codes are stable: entries are added, never renumbered. `{value}` in a cause or fix is filled from',
    'the matched text (`{value|default}` when the text does not show it). The messages and their upstream',
    'sources are in [velero-facts.md](velero-facts.md#failure-signatures). Every signature fails its item;',
    '`warning` marks a state that may still resolve on its own or degrades rather than breaks.',
    '',
    '| code | item | severity | title | shown by | cause | fix |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Not failures',
    '',
    'A line matching one of these never matches a signature.',
    '',
    '| id | pattern | why |',
    '|---|---|---|',
    ...nonFailures,
    '',
  ].join('\n');
}
