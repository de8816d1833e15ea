/**
 * Which judge decides which item on which kind of target. `live` serves the targets that hold
 * cluster state (kind, cluster, snapshot); `manifests` serves rendered manifests / Helm values.
 * An item the catalog says a target can evaluate but that has no judge here fails — it is never
 * silently passed (see `judgeItem`).
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
import { PASTED_JUDGES } from './pasted.ts';
import { judgeOnEvidence } from '../evidence/judge.ts';
import { withValuesNotes } from './values-notes.ts';

export interface JudgeEntry {
  live?: Judge;
  manifests?: Judge;
}

// One line per item; each judge lives in its own module under judge/ and serves every target it is listed for.
export const JUDGES: Partial<Record<ItemId, JudgeEntry>> = {
  'beyond.restore': { live: judgeRestore },
  'dod.pods-running': { live: judgePodsRunning },
  'dod.bsl-available': { live: judgeBslAvailable },
  'dod.manual-backup': { live: judgeManualBackup },
  'dod.data-in-bucket': { live: judgeDataInBucket },
  'beyond.volume-coverage': { live: judgeVolumeCoverage },
  'beyond.freshness': { live: judgeFreshness },
  'beyond.repository': { live: judgeRepository },
  'guard.minio-root-credentials': { live: judgeMinioRootCredentials },
  'guard.repository-password': { live: judgeRepositoryPassword },
  'must.fsb-kopia': { live: judgeFsbKopia, manifests: judgeFsbKopia },
  'must.s3-target': { live: judgeS3Target, manifests: judgeS3Target },
  'must.schedule': { live: judgeSchedule, manifests: judgeSchedule },
  'guard.k8s-secrets': { live: judgeK8sSecrets, manifests: judgeK8sSecrets },
  'guard.lan-only': { live: judgeLanOnly, manifests: judgeLanOnly },
  'beyond.retention': { live: judgeRetention, manifests: judgeRetention },
  'beyond.image-pinning': { live: judgeImagePinning, manifests: judgeImagePinning },
  'beyond.credentials-valid': { live: judgeCredentials },
  'beyond.restores-completed': { live: judgeRestoresCompleted },
  'beyond.node-agent-admitted': { live: judgeNodeAgentAdmitted, manifests: judgeNodeAgentAdmitted },
};

export function judgeItem(id: ItemId, context: JudgeContext): Finding {
  const item = catalogItem(id);
  const notEvaluable = notEvaluableReason(item, context.target);
  if (notEvaluable) return skip(id, `Not evaluable on the ${context.target} target: ${notEvaluable}.`);
  const entry = JUDGES[id];
  const chosen = context.target === 'manifests' ? entry?.manifests : entry?.live;
  // Helm values speak to every item they configure, whichever judge decides it.
  const judge = chosen && context.state?.manifests?.values ? withValuesNotes(id, chosen) : chosen;
  if (context.state?.evidence && context.target === 'snapshot') {
    // Captured or pasted evidence: judge only what it shows (harness/evidence/judge.ts).
    const pasted = id === 'dod.manual-backup' && context.backupName ? undefined : PASTED_JUDGES[id];
    try {
      return judgeOnEvidence(id, context, judge, pasted);
    } catch (error) {
      return fail(id, `The judge for ${id} crashed: ${describeError(error)}`, [], 'This is a velero-verify defect: report it with the input that caused it.');
    }
  }
  if (!judge) {
    return fail(id, `No judge is implemented for ${id} on the ${context.target} target.`, [], 'This is a velero-verify defect: report it.');
  }
  try {
    return judge(context);
  } catch (error) {
    return fail(id, `The judge for ${id} crashed: ${describeError(error)}`, [], 'This is a velero-verify defect: report it with the input that caused it.');
  }
}
