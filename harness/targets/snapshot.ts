/**
 * The snapshot target: evidence captured from a cluster or pasted by a user — `kubectl get … -o
 * yaml|json` files, a directory written by scripts/capture.mjs (with a bucket capture in
 * `bucket/`), Velero CLI tables, describe text, logs, mixed transcripts, `velero debug` bundles,
 * or standard input (`-`). Read by sniffing content (harness/evidence/). Opens no network
 * connection.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AuditInputError, describeError } from '../errors.ts';
import type { BackupPlan } from '../plan.ts';
import type { State } from '../state.ts';
import { readEvidence } from '../evidence/read.ts';
import { evidenceState } from '../evidence/state.ts';

const BUCKET_CAPTURE_DIR = 'bucket';
/** scripts/capture.mjs records when it captured here (`capture.json`: { capturedAt }). */
export const CAPTURE_META_DIR = 'velero-verify';
export const CAPTURE_META_FILE = 'capture.json';

/** The capture time scripts/capture.mjs recorded, or undefined; a damaged record is a bad input. */
function recordedCaptureTime(dir: string, label: string): string | undefined {
  const file = join(dir, CAPTURE_META_DIR, CAPTURE_META_FILE);
  if (!existsSync(file)) return undefined;
  let capturedAt: unknown;
  try {
    capturedAt = (JSON.parse(readFileSync(file, 'utf8')) as { capturedAt?: unknown }).capturedAt;
  } catch (error) {
    throw new AuditInputError(`--snapshot ${label}: ${CAPTURE_META_DIR}/${CAPTURE_META_FILE} is not valid JSON (${describeError(error)}); capture again or delete the file.`);
  }
  if (typeof capturedAt !== 'string' || !Number.isFinite(Date.parse(capturedAt))) {
    throw new AuditInputError(`--snapshot ${label}: ${CAPTURE_META_DIR}/${CAPTURE_META_FILE} has no valid "capturedAt" time (expected ISO 8601); capture again or delete the file.`);
  }
  return new Date(capturedAt).toISOString();
}

const EXPECTED_EVIDENCE =
  '`kubectl get … -o yaml|json` output, Velero CLI tables (`velero backup get`, `backup-location get`, `schedule get`, `restore get`, `kubectl get pods|deploy|ds|podvolumebackups -n velero`), `velero backup|restore|schedule describe` text, Velero server / node-agent / backup logs, or a `velero debug` bundle (.tar.gz)';

export async function collectSnapshot(path: string, plan: BackupPlan, options: { stdinText?: string; label?: string } = {}): Promise<State> {
  const label = options.label ?? path;
  const isStdin = path === '-';
  if (!isStdin && !existsSync(path)) throw new AuditInputError(`--snapshot ${label}: no such file or directory.`);
  const isDir = !isStdin && statSync(path).isDirectory();
  const read = await readEvidence(path, { namespace: plan.namespace }, { stdinText: options.stdinText, skipDirs: [BUCKET_CAPTURE_DIR, CAPTURE_META_DIR] });
  const bucketDir = isDir ? join(path, BUCKET_CAPTURE_DIR) : undefined;
  const hasBucket = !!bucketDir && existsSync(bucketDir);
  if (read.recognised.length === 0 && !hasBucket) {
    if (isDir && read.files.length === 0) {
      throw new AuditInputError(`--snapshot ${label}: the directory holds no .yaml, .yml or .json files and no other text to read. Expected ${EXPECTED_EVIDENCE}.`);
    }
    const why = read.unread.length ? ` (${read.unread.slice(0, 3).join('; ')}${read.unread.length > 3 ? `; and ${read.unread.length - 3} more` : ''})` : '';
    throw new AuditInputError(`--snapshot ${label}: no Kubernetes objects found and nothing else recognised as Velero evidence in ${read.files.length} file(s)${why}. Expected ${EXPECTED_EVIDENCE}; capture a cluster with scripts/capture.mjs.`);
  }
  const state = evidenceState(read, {
    namespace: plan.namespace,
    credentialKeys: [plan.credentials.key],
    description: `snapshot ${label}`,
    hasBucketCapture: hasBucket,
  });
  const recorded = isDir ? recordedCaptureTime(path, label) : undefined;
  if (recorded) {
    state.capturedAt = recorded;
    state.capturedAtSource = 'recorded';
  } else if (state.capturedAt) {
    state.capturedAtSource = 'inferred';
  }
  if (hasBucket) {
    const { readBucketCapture } = await import('../bucket/capture.ts');
    state.bucket = readBucketCapture(bucketDir!);
  }
  return state;
}
