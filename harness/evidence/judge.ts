/**
 * Judging on evidence (snapshot target): the gate "not shown in this evidence", the item's one
 * judge (which reads what a paste lists in full from harness/judge/facts/listing.ts), and the
 * failure-signature registry's cause and fix, with the quoted lines each finding stands on (file
 * and line).
 *
 * - An item whose evidence the input neither shows nor proves looked for is SKIP "Not shown in
 *   this evidence" — unless a failure signature for it is shown (a log line is evidence too).
 * - A failing judge gets the code, cause and fix of the signature that explains it, if one is
 *   shown; a signature shown for an item the judge passed (or could not decide) fails it on a
 *   paste, because the paste shows the failure.
 */
import type { ItemId } from '../catalog.ts';
import { fail, skip, type EvidenceQuote, type Finding, type Judge, type JudgeContext } from '../judge/types.ts';
import type { KubeObject, State } from '../state.ts';
import { notShownReason } from './shown.ts';
import { signatureHits, type SignatureHit } from './signature-hits.ts';
import { provenanceKey } from './types.ts';

const MAX_QUOTES = 8;

function hasEntries(record: Record<string, unknown>): boolean {
  for (const _key in record) return true;
  return false;
}

/** Quotes of the objects a finding names (by name, in its summary or evidence). */
function objectQuotes(finding: Finding, state: State): EvidenceQuote[] {
  const evidence = state.evidence;
  // Only a paste records where its objects were read (a capture's objects are named by their
  // fields, and may be many): without provenance there is nothing to quote.
  if (!evidence || !hasEntries(evidence.provenance)) return [];
  const text = `${finding.summary}\n${finding.evidence.join('\n')}`;
  const quotes: EvidenceQuote[] = [];
  for (const [collection, list] of Object.entries(state.objects)) {
    if (collection === 'secrets') continue;
    for (const object of list as KubeObject[]) {
      if (!text.includes(object.metadata.name)) continue;
      const at = evidence.provenance[provenanceKey(collection, object)];
      if (at?.text) quotes.push({ text: at.text, source: at.source, line: at.line });
      else if (at) quotes.push({ text: `${object.kind} ${object.metadata.name} (${at.reader})`, source: at.source, line: at.line });
      if (quotes.length >= MAX_QUOTES) return quotes;
    }
  }
  return quotes;
}

function withSignature(finding: Finding, hits: SignatureHit[], state: State): Finding {
  const quotes = [...hits.flatMap((hit) => hit.lines), ...objectQuotes(finding, state)];
  const unique = quotes.filter((quote, index) => quotes.findIndex((other) => other.source === quote.source && other.line === quote.line) === index).slice(0, MAX_QUOTES);
  const first = hits[0];
  return {
    ...finding,
    ...(first ? { code: first.code, cause: first.cause, fix: first.fix } : {}),
    ...(unique.length ? { quotes: unique } : {}),
  };
}

function failFromHits(id: ItemId, hits: SignatureHit[], state: State, judged?: Finding): Finding {
  const first = hits[0];
  const summary = `${first.title}: ${first.cause}`;
  const evidence = hits.flatMap((hit) => hit.lines.map((line) => `${line.source}:${line.line}: ${line.text.length > 300 ? `${line.text.slice(0, 300)}…` : line.text}`)).slice(0, MAX_QUOTES);
  const base = fail(id, summary, evidence, first.fix, judged?.expected ? { expected: judged.expected } : {});
  if (judged && judged.status === 'pass') base.warnings = [`The objects shown alone would pass: ${judged.summary}`];
  return withSignature(base, hits, state);
}

export function judgeOnEvidence(id: ItemId, context: JudgeContext, judge: Judge): Finding {
  const state = context.state;
  const evidence = state.evidence!;
  const hits = signatureHits(id, state);
  const paste = evidence.mode === 'paste';
  const notShown = notShownReason(id, state);
  if (notShown) {
    if (hits.length > 0 && paste) return failFromHits(id, hits, state);
    return skip(id, notShown);
  }
  const finding = judge(context);
  if (finding.status === 'fail') return withSignature(finding, hits, state);
  // The objects shown could not decide the item, but the input shows its failure (a log line, a
  // status message): the paste shows it failed.
  if (paste && hits.length > 0 && finding.status === 'skip') return failFromHits(id, hits, state, finding);
  if (hits.length > 0) {
    // The objects shown pass; a signature seen elsewhere in the input (an earlier log line) is reported, not decisive.
    finding.warnings = [...(finding.warnings ?? []), ...hits.map((hit) => `Also shown in the input: ${hit.title} (${hit.code}) at ${hit.lines[0] ? `${hit.lines[0].source}:${hit.lines[0].line}` : 'an unquoted line'}.`)];
  }
  const quotes = objectQuotes(finding, state);
  return quotes.length ? { ...finding, quotes } : finding;
}
