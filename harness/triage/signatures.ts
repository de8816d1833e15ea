/**
 * The registry of failure signatures (in the style of Popeye's code registry and kube-bench's
 * remediation): every way a Velero installation is known to fail, as data. Each entry has a stable
 * code, the catalog item it fails, the shapes of text that show it (Velero, AWS SDK v1/v2 and Kopia
 * messages as the source code words them; phases as describe, tables and YAML print them), the cause
 * in one sentence and the fix. The messages and where they come from are in docs/velero-facts.md,
 * section "Failure signatures"; docs/signatures.md is the table of codes (kept equal by a test).
 *
 * Codes are stable once released: add entries, never renumber. `harness/triage/match.ts` applies
 * the registry to lines of text; nothing here does I/O.
 *
 * Patterns are written for untrusted input: no nested quantifiers, bounded gaps (`.{0,400}`), so a
 * line costs time linear in its length. A plain "error" (or logfmt `level=error`) is never a
 * signature: every pattern names a Velero, cloud SDK or Kopia message.
 *
 * The entries live by area in harness/triage/signatures/ (one module per code prefix: VV-BSL, VV-BKP,
 * VV-PVB, VV-NA, VV-POD, VV-REPO, VV-RST, VV-SCH, VV-DEL), with their shape in signatures/types.ts;
 * this module assembles them in that order and looks them up.
 */
import type { ObjectKind, Signature } from './signatures/types.ts';
import { BACKUP_STORAGE_LOCATION_SIGNATURES } from './signatures/backup-storage-location.ts';
import { BACKUP_SIGNATURES } from './signatures/backups.ts';
import { POD_VOLUME_BACKUP_SIGNATURES } from './signatures/pod-volume-backups.ts';
import { NODE_AGENT_SIGNATURES } from './signatures/node-agent.ts';
import { SERVER_POD_SIGNATURES } from './signatures/server-pod.ts';
import { REPOSITORY_SIGNATURES } from './signatures/repository.ts';
import { RESTORE_SIGNATURES } from './signatures/restores.ts';
import { SCHEDULE_SIGNATURES } from './signatures/schedules.ts';
import { DELETION_SIGNATURES } from './signatures/deletion.ts';

// In code order within each area; the order is the order of docs/signatures.md.
export const SIGNATURES: readonly Signature[] = [
  ...BACKUP_STORAGE_LOCATION_SIGNATURES,
  ...BACKUP_SIGNATURES,
  ...POD_VOLUME_BACKUP_SIGNATURES,
  ...NODE_AGENT_SIGNATURES,
  ...SERVER_POD_SIGNATURES,
  ...REPOSITORY_SIGNATURES,
  ...RESTORE_SIGNATURES,
  ...SCHEDULE_SIGNATURES,
  ...DELETION_SIGNATURES,
];

const BY_CODE = new Map(SIGNATURES.map((signature) => [signature.code, signature]));

/** The registry entry for a code (throws on an unknown code: codes are program constants). */
export function signatureFor(code: string): Signature {
  const signature = BY_CODE.get(code);
  if (!signature) throw new Error(`Unknown failure signature code "${code}"`);
  return signature;
}

/**
 * The signature a phase shows, for facts read into typed state (a `velero backup get` row, a
 * Backup's YAML): e.g. `phaseSignature('Backup', 'PartiallyFailed')` is VV-BKP-002. Undefined for
 * a phase that is not a failure (Completed, Available, Enabled, Ready, …).
 */
export function phaseSignature(kind: ObjectKind, phase: string): Signature | undefined {
  for (const signature of SIGNATURES) {
    if (signature.phases?.kind === kind && signature.phases.phases.includes(phase)) return signature;
  }
  return undefined;
}
