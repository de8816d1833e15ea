/**
 * Which judge decides which item on which kind of target. `live` serves the targets that hold
 * cluster state (kind, cluster, snapshot); `manifests` serves rendered manifests / Helm values.
 * An item the catalog says a target can evaluate but that has no judge here fails — it is never
 * silently passed (see `judgeItem`).
 */
import { catalogItem, notEvaluableReason, type ItemId } from '../catalog.ts';
import { describeError } from '../errors.ts';
import { fail, skip, type Finding, type Judge, type JudgeContext } from './types.ts';

export interface JudgeEntry {
  live?: Judge;
  manifests?: Judge;
}

// One line per item; each judge lives in its own module under judge/ (live) or judge/static/.
export const JUDGES: Partial<Record<ItemId, JudgeEntry>> = {
};

export function judgeItem(id: ItemId, context: JudgeContext): Finding {
  const item = catalogItem(id);
  const notEvaluable = notEvaluableReason(item, context.target);
  if (notEvaluable) return skip(id, `Not evaluable on the ${context.target} target: ${notEvaluable}.`);
  const entry = JUDGES[id];
  const judge = context.target === 'manifests' ? entry?.manifests : entry?.live;
  if (!judge) {
    return fail(id, `No judge is implemented for ${id} on the ${context.target} target.`, [], 'This is a velero-verify defect: report it.');
  }
  try {
    return judge(context);
  } catch (error) {
    return fail(id, `The judge for ${id} crashed: ${describeError(error)}`, [], 'This is a velero-verify defect: report it with the input that caused it.');
  }
}
