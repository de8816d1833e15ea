/**
 * The failure signatures shown in a State's evidence, per catalog item. The registry
 * (harness/triage/signatures.ts) names the item each signature fails; two items it does not
 * name read some of its signatures too: the credentials item (credentials rejected or missing
 * make the location unavailable) and the item for restores people ran (the registry files
 * restore failures under the drill, which a paste cannot run).
 */
import type { ItemId } from '../catalog.ts';
import type { EvidenceQuote } from '../judge/types.ts';
import type { State } from '../state.ts';

export interface SignatureHit {
  code: string;
  item: ItemId;
  severity: 'error' | 'warning';
  title: string;
  cause: string;
  fix: string;
  lines: EvidenceQuote[];
}

/** Signatures whose cause is the credentials (harness/triage/signatures.ts: credentials rejected, access denied, credentials missing). */
const CREDENTIAL_CODES = new Set(['VV-BSL-001', 'VV-BSL-002', 'VV-BSL-003']);

function readsSignature(id: ItemId, code: string, item: ItemId): boolean {
  if (item === id) return true;
  if (id === 'beyond.credentials-valid') return CREDENTIAL_CODES.has(code);
  if (id === 'beyond.restores-completed') return item === 'beyond.restore';
  return false;
}

export function signatureHits(id: ItemId, state: State): SignatureHit[] {
  const matches = state.evidence?.signatures ?? [];
  return matches
    .filter((match) => readsSignature(id, match.code, match.item))
    .map((match) => ({ code: match.code, item: match.item, severity: match.severity, title: match.title, cause: match.cause, fix: match.fix, lines: match.evidence }));
}
