/**
 * The in-process triage entry: read evidence (a path or text) and judge every catalog item on
 * it, exactly as `npm run audit -- --snapshot` does without the vitest spec run around it.
 * Used by the corpus test and the bench.
 */
import { CATALOG, type ItemId } from '../catalog.ts';
import { judgeItem } from '../judge/index.ts';
import type { Finding } from '../judge/types.ts';
import type { BackupPlan } from '../plan.ts';
import type { State } from '../state.ts';
import { collectSnapshot } from '../targets/snapshot.ts';

export interface Triage {
  state: State;
  findings: Map<ItemId, Finding>;
}

export async function triage(path: string, plan: BackupPlan, options: { now?: Date; stdinText?: string } = {}): Promise<Triage> {
  const state = await collectSnapshot(path, plan, { stdinText: options.stdinText });
  const now = options.now ?? (state.capturedAt ? new Date(state.capturedAt) : new Date(0));
  const findings = new Map<ItemId, Finding>();
  for (const item of CATALOG) findings.set(item.id, judgeItem(item.id, { state, plan, target: 'snapshot', now }));
  return { state, findings };
}
