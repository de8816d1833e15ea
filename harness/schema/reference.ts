/**
 * Where the Velero reference data lives: the vendored copy in `reference/velero` (CRDs and chart
 * schema, byte-identical to upstream; provenance in each folder's SOURCE.txt), or
 * `VELERO_REFERENCE_DIR`.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const VENDORED_REFERENCE_DIR = resolve(REPO_ROOT, 'reference', 'velero');
/** A second copy (e.g. freshly extracted from upstream) the vendored files are compared with, when set. */
export const COMPARE_REFERENCE_DIR = process.env.VELERO_REFERENCE_COMPARE_DIR;

export function referenceDir(): string {
  const dir = process.env.VELERO_REFERENCE_DIR || VENDORED_REFERENCE_DIR;
  if (!existsSync(dir)) {
    throw new Error(`The Velero reference data was not found at ${dir}: restore reference/velero from git or set VELERO_REFERENCE_DIR.`);
  }
  return dir;
}
