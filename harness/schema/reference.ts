/**
 * Where the Velero reference material lives: `../shared/velero-reference` beside the repository
 * (as on every developer machine and in CI), or `VELERO_REFERENCE_DIR`.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function referenceDir(): string {
  const dir = process.env.VELERO_REFERENCE_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'velero-reference');
  if (!existsSync(dir)) {
    throw new Error(
      `The Velero reference material was not found at ${dir}. Put the shared/ folder beside the repository or set VELERO_REFERENCE_DIR.`,
    );
  }
  return dir;
}
