/**
 * The message signatures (those with patterns) applied to one line: a needle search first decides
 * whether any can match at all, then each signature's needles, component, requires/unless and
 * patterns; a more precise signature on the same line drops the ones it supersedes.
 */
import { NeedleSet } from '../needles.ts';
import { SIGNATURES } from '../signatures.ts';
import { NON_FAILURES } from '../signatures/non-failures.ts';
import type { Signature } from '../signatures/types.ts';
import type { SourceState } from './types.ts';

export const MESSAGE_SIGNATURES = SIGNATURES.filter((signature) => signature.patterns?.length);
// One pass over the line decides whether any message signature can match at all (most log lines: none).
export const ANY_NEEDLE = new NeedleSet(MESSAGE_SIGNATURES.flatMap((signature) => signature.needles ?? []));

/** A line matching this never matches a signature (signatures/non-failures.ts). */
export const ANY_NON_FAILURE = new RegExp(NON_FAILURES.map((entry) => entry.pattern.source).join('|'));

/** The message signatures a line shows (already cleaned), after supersession and fallbacks. */
export function matchMessages(state: SourceState, text: string): Array<{ signature: Signature; groups: Record<string, string | undefined> }> {
  if (!ANY_NEEDLE.test(text)) return [];
  const hits: Array<{ signature: Signature; groups: Record<string, string | undefined> }> = [];
  for (const signature of MESSAGE_SIGNATURES) {
    if (signature.needles && !signature.needles.some((needle) => text.includes(needle))) continue;
    if (signature.component && state.component !== signature.component) continue;
    if (signature.requires && !signature.requires.some((pattern) => pattern.test(text))) continue;
    if (signature.unless?.some((pattern) => pattern.test(text))) continue;
    for (const pattern of signature.patterns ?? []) {
      const match = pattern.exec(text);
      if (match) {
        hits.push({ signature, groups: { ...match.groups } });
        break;
      }
    }
  }
  const codes = new Set(hits.map((hit) => hit.signature.code));
  return hits.filter(
    (hit) =>
      !hit.signature.supersededBy?.some((code) => codes.has(code)) &&
      !(hit.signature.fallback && hits.some((other) => other.signature.item === hit.signature.item && !other.signature.fallback)),
  );
}
