/**
 * Which judge decides which item: one judge per item, for every target. An item a target cannot
 * evaluate (the catalog's `notOn`) is skipped with the reason; on captured or pasted evidence the
 * item is first asked whether the input shows what it reads (harness/evidence/judge.ts). A judge
 * that throws is a failure naming the defect — never a silent pass.
 */
import { catalogItem, notEvaluableReason, type ItemId } from '../catalog.ts';
import { describeError } from '../errors.ts';
import { fail, skip, type Finding, type Judge, type JudgeContext } from './types.ts';
import { judgeImagePinning } from './image-pinning.ts';
import { judgeRestore } from './beyond-restore.ts';
import { judgePodsRunning } from './dod-pods-running.ts';
import { judgeBslAvailable } from './dod-bsl-available.ts';
import { judgeManualBackup } from './dod-manual-backup.ts';
import { judgeFsbKopia } from './must-fsb-kopia.ts';
import { judgeS3Target } from './must-s3-target.ts';
import { judgeSchedule } from './must-schedule.ts';
import { judgeK8sSecrets } from './guard-k8s-secrets.ts';
import { judgeVolumeCoverage } from './beyond-volume-coverage.ts';
import { judgeFreshness } from './beyond-freshness.ts';
import { judgeRepository } from './beyond-repository.ts';
import { judgeDataInBucket } from './dod-data-in-bucket.ts';
import { judgeRetention } from './beyond-retention.ts';
import { judgeLanOnly } from './guard-lan-only.ts';
import { judgeMinioRootCredentials } from './guard-minio-root-credentials.ts';
import { judgeRepositoryPassword } from './guard-repository-password.ts';
import { judgeCredentials } from './beyond-credentials.ts';
import { judgeRestoresCompleted } from './beyond-restores.ts';
import { judgeNodeAgentAdmitted } from './beyond-node-agent-admitted.ts';
import { judgeOnEvidence } from '../evidence/judge.ts';
import { withValuesNotes } from './values-notes.ts';

// One judge per item, for every target the catalog lists it on: the judge decides from the facts
// the State holds, whichever target collected them (docs/architecture.md).
export const JUDGES: Record<ItemId, Judge> = {
  'dod.pods-running': judgePodsRunning,
  'dod.bsl-available': judgeBslAvailable,
  'dod.manual-backup': judgeManualBackup,
  'dod.data-in-bucket': judgeDataInBucket,
  'must.fsb-kopia': judgeFsbKopia,
  'must.s3-target': judgeS3Target,
  'must.schedule': judgeSchedule,
  'guard.k8s-secrets': judgeK8sSecrets,
  'guard.lan-only': judgeLanOnly,
  'guard.minio-root-credentials': judgeMinioRootCredentials,
  'guard.repository-password': judgeRepositoryPassword,
  'beyond.restore': judgeRestore,
  'beyond.volume-coverage': judgeVolumeCoverage,
  'beyond.retention': judgeRetention,
  'beyond.freshness': judgeFreshness,
  'beyond.image-pinning': judgeImagePinning,
  'beyond.repository': judgeRepository,
  'beyond.credentials-valid': judgeCredentials,
  'beyond.restores-completed': judgeRestoresCompleted,
  'beyond.node-agent-admitted': judgeNodeAgentAdmitted,
};

export function judgeItem(id: ItemId, context: JudgeContext): Finding {
  const item = catalogItem(id);
  const notEvaluable = notEvaluableReason(item, context.target);
  if (notEvaluable) return skip(id, `Not evaluable on the ${context.target} target: ${notEvaluable}.`);
  const chosen = JUDGES[id];
  // Helm values speak to every item they configure.
  const judge = context.state?.manifests?.values ? withValuesNotes(id, chosen) : chosen;
  // Captured or pasted evidence: judge only what it shows (harness/evidence/judge.ts).
  const onEvidence = !!context.state?.evidence && context.target === 'snapshot';
  try {
    return onEvidence ? judgeOnEvidence(id, context, judge) : judge(context);
  } catch (error) {
    return fail(id, `The judge for ${id} crashed: ${describeError(error)}`, [], 'This is a velero-verify defect: report it with the input that caused it.');
  }
}
