/**
 * Judge a run where its state is: the process that collected the target runs every pure judge
 * once and hands the spec workers the findings (each with its evidence), not the state. A large
 * cluster's state is hundreds of MB of objects; serialising it to every spec worker cost more than
 * collecting and judging it (docs/performance.md). The specs stay the product: one test per plan
 * line, asserting on its item's finding.
 */
import { CATALOG, type ItemId } from '../catalog.ts';
import type { RunContext } from '../run-context.ts';
import { judgeItem } from './index.ts';
import type { Finding, JudgeContext } from './types.ts';
import { emptyObjects, type State } from '../state.ts';

export function judgeContextOf(run: RunContext): JudgeContext {
  if (!run.state) throw new Error(`The run context for ${run.target} carries no collected state.`);
  return {
    state: run.state,
    plan: run.plan,
    target: run.target,
    now: new Date(run.now),
    backupName: run.backupName,
    drill: run.drill,
  };
}

/** Every catalog item judged on the run's state (judgeItem never throws: a judge's error is a failed finding). */
function judgeAll(run: RunContext): Record<ItemId, Finding> {
  const context = judgeContextOf(run);
  return Object.fromEntries(CATALOG.map((item) => [item.id, judgeItem(item.id as ItemId, context)])) as Record<ItemId, Finding>;
}

/** The run with its findings; a run that did not run or failed to set up has nothing to judge. */
export function withFindings(run: RunContext): RunContext {
  if (!run.state || run.notRun || run.setupError) return run;
  return { ...run, findings: judgeAll(run) };
}

/** What the spec workers receive from a judged run: its findings and facts, without the state. */
export function forSpecWorkers(run: RunContext): RunContext {
  const { state: _state, ...rest } = run.findings || !run.state ? run : withFindings(run);
  return rest;
}

/**
 * A judged state's facts without its objects: source, cluster, read gaps, ignored kinds — what a
 * report shows about the state. The objects, the bucket listing and the manifests' extras are
 * dropped so that a large cluster's objects can be freed once every item is judged.
 */
export function stateFacts(state: State): State {
  return { ...state, objects: emptyObjects(), bucket: undefined, manifests: undefined };
}
