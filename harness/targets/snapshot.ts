/**
 * The snapshot target: state captured from a cluster (`kubectl get … -o yaml` files, or a
 * directory written by scripts/capture.mjs with a bucket capture in `bucket/`). Opens no
 * network connection.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AuditInputError } from '../errors.ts';
import type { BackupPlan } from '../plan.ts';
import type { State } from '../state.ts';
import { buildState, flattenLists, isKubeObject } from '../collect/objects.ts';
import { listObjectFiles, readObjectsFromFile } from '../collect/read-objects.ts';

export const BUCKET_CAPTURE_DIR = 'bucket';

export async function collectSnapshot(path: string, plan: BackupPlan): Promise<State> {
  const isDir = existsSync(path) && statSync(path).isDirectory();
  const files = listObjectFiles(path, { flag: '--snapshot', skipDirs: [BUCKET_CAPTURE_DIR] });
  const values: unknown[] = [];
  for (const file of files) values.push(...readObjectsFromFile(file));
  if (!flattenLists(values).some(isKubeObject)) {
    throw new AuditInputError(
      `--snapshot ${path}: no Kubernetes objects found in ${files.length} file(s). Capture them with \`kubectl get deploy,ds,pods,pvc,pv,secrets -n ${plan.namespace} -o yaml\` and \`kubectl get backups,schedules,backupstoragelocations,podvolumebackups,restores,backuprepositories -n ${plan.namespace} -o yaml\`, or with scripts/capture.mjs.`,
    );
  }
  const state = buildState(values, {
    source: { target: 'snapshot', description: `snapshot ${path}`, files },
    namespace: plan.namespace,
    credentialKeys: [plan.credentials.key],
  });
  if (isDir) {
    const bucketDir = join(path, BUCKET_CAPTURE_DIR);
    if (existsSync(bucketDir)) {
      const { readBucketCapture } = await import('../bucket/capture.ts');
      state.bucket = readBucketCapture(bucketDir);
    }
  }
  return state;
}
