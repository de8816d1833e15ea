/**
 * beyond.restores-completed — the newest Restore that was run reached phase Completed.
 *
 * docs/velero-facts.md §3 phases: only Completed is success; PartiallyFailed and Failed are failures even
 * when every item was restored ("items restored == total" proves nothing); New means the server
 * never picked it up, InProgress / WaitingForPluginOperations* that it has not finished. Restores
 * the drill created are judged by beyond.restore, not here. Where the restores were listed (a
 * live cluster, a capture, a `velero restore get` with no rows), none run means none failed.
 */
import { fail, pass, skip, type Judge } from './types.ts';
import { failIfVeleroAbsent } from './facts/workloads.ts';
import { inNamespace, newestFirst, readGapFor } from './facts/object-access.ts';

const ID = 'beyond.restores-completed' as const;
const EXPECTED = 'Restores that were run end with Phase: Completed.';
const DRILL_LABEL = 'app.kubernetes.io/managed-by';

export const judgeRestoresCompleted: Judge = ({ state, plan }) => {
  const restores = inNamespace(state.objects.restores, plan.namespace).filter((restore) => restore.metadata.labels?.[DRILL_LABEL] !== 'velero-verify');
  if (restores.length === 0) {
    // An empty list from a cluster without Velero is no evidence that restores succeeded.
    const absent = state.evidence?.mode === 'paste' ? undefined : failIfVeleroAbsent(ID, state, plan, EXPECTED);
    if (absent) return absent;
    const gap = readGapFor(state, 'restores');
    if (gap) return skip(ID, `The Restores could not be read: ${gap}`);
    return pass(ID, 'No Restore has been run besides the drill: none failed', [`Restores in ${plan.namespace}: none (the drill's restore is judged by beyond.restore)`], { expected: EXPECTED });
  }
  // Newest by start time; a paste without times keeps the order it was shown in (last = newest).
  const timed = restores.some((restore) => restore.status?.startTimestamp || restore.metadata.creationTimestamp);
  const restore = timed ? newestFirst(restores)[0] : restores[restores.length - 1];
  const name = restore.metadata.name;
  const phase = String(restore.status?.phase ?? '');
  const progress = restore.status?.progress;
  const evidence = [
    `Restore ${name}${restore.spec?.backupName ? ` (of backup ${restore.spec.backupName})` : ''}: status.phase=${phase || '(empty: New)'}, errors=${restore.status?.errors ?? 0}, warnings=${restore.status?.warnings ?? 0}${progress?.totalItems !== undefined ? `, items restored ${progress.itemsRestored ?? 0}/${progress.totalItems}` : ''}`,
  ];
  const logs = `velero -n ${plan.namespace} restore logs ${name} | grep -iE 'level=(error|warning)'`;
  if (phase === 'Completed') return pass(ID, `Restore ${name} is Completed`, evidence, { expected: EXPECTED });
  if (phase === 'PartiallyFailed' || phase === 'Failed' || phase === 'FailedValidation') {
    return fail(ID, `Restore ${name} is ${phase}${restore.status?.failureReason ? `: ${restore.status.failureReason}` : ''}`, evidence, `Read the errors with velero -n ${plan.namespace} restore describe ${name} --details and ${logs}; a restore with PodVolumeRestores needs the node agent running on the target nodes. Fix the cause and restore again into a new namespace (--namespace-mappings).`, { expected: EXPECTED });
  }
  return fail(ID, `Restore ${name} has not finished (status.phase=${phase || 'New: the server has not picked it up'})`, evidence, `Check that the velero Deployment runs (kubectl -n ${plan.namespace} get deploy/velero) and read ${logs}; PodVolumeRestores stuck New mean the node agent is not running on the restored pod's node.`, { expected: EXPECTED });
};
