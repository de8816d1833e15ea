/**
 * Whether the State lists a kind in full, so that an object of that kind it does not hold does
 * not exist. A live cluster (but for a kind it could not list: a read gap), rendered manifests (the whole install as the chart renders it) and a
 * whole capture list every kind they read: there a missing velero Deployment is a finding. A paste
 * lists only what it shows — a pods table without the Deployment, the backups one
 * `velero backup get` printed, the PodVolumeBackups a `describe --details` listed — so there an
 * object not shown is not missing, unless the input proves the kind was listed (a table printed
 * with its header and no rows). The evidence summary records exactly that as `lookedFor`
 * (harness/evidence/types.ts; docs/triage.md, "Judge only what the evidence shows").
 * Pure: reads the State only.
 */
import type { EvidenceKind } from '../../evidence/types.ts';
import type { State } from '../../state.ts';
import { readGapFor } from './object-access.ts';

export function listedInFull(state: State, kind: EvidenceKind): boolean {
  const evidence = state.evidence;
  // No evidence summary: the State came from a cluster or from rendered manifests, read whole —
  // except a kind the collector could not list (RBAC 403, API missing): its absence shows nothing.
  if (!evidence) return !readGapFor(state, kind.toLowerCase());
  return evidence.lookedFor.includes(kind);
}

/** Whether the State is a paste: the objects shown are judged, the rest is "not shown". */
export function isPasted(state: State): boolean {
  return state.evidence?.mode === 'paste';
}
