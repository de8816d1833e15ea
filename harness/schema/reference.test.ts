import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crdSchemas } from './crds.ts';
import { COMPARE_REFERENCE_DIR, VENDORED_REFERENCE_DIR } from './reference.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe('vendored Velero reference data', () => {
  it.runIf(COMPARE_REFERENCE_DIR !== undefined && existsSync(COMPARE_REFERENCE_DIR))('is byte-identical to the copy in VELERO_REFERENCE_COMPARE_DIR', () => {
    const UPSTREAM = COMPARE_REFERENCE_DIR!;
    for (const folder of ['crds', 'chart']) {
      const upstream = filesUnder(join(UPSTREAM, folder)).map((file) => relative(UPSTREAM, file)).sort();
      const vendored = filesUnder(join(VENDORED_REFERENCE_DIR, folder)).map((file) => relative(VENDORED_REFERENCE_DIR, file)).sort();
      expect(vendored).toEqual(upstream);
      for (const file of upstream) {
        expect(readFileSync(join(VENDORED_REFERENCE_DIR, file)).equals(readFileSync(join(UPSTREAM, file))), file).toBe(true);
      }
    }
  });

  it('serves every Velero kind of v1.18.1', () => {
    expect([...crdSchemas().keys()].sort()).toEqual(
      [
        'BackupRepository', 'Backup', 'BackupStorageLocation', 'DeleteBackupRequest', 'DownloadRequest', 'PodVolumeBackup',
        'PodVolumeRestore', 'Restore', 'Schedule', 'ServerStatusRequest', 'VolumeSnapshotLocation',
      ].map((kind) => `velero.io/v1/${kind}`).concat(['velero.io/v2alpha1/DataDownload', 'velero.io/v2alpha1/DataUpload']).sort(),
    );
  });
});
