import { describe, expect, it } from 'vitest';
import { backupFolder, classifyTarEntry, kopiaFolder, reducePodVolumeBackups, requiredBackupFiles, summarizeBackupFiles, summarizeBackupMetadata } from './layout.ts';

describe('Velero bucket layout', () => {
  it('builds folders under an optional BSL prefix', () => {
    expect(backupFolder('', 'b')).toBe('backups/b/');
    expect(backupFolder('velero/', 'b')).toBe('velero/backups/b/');
    expect(kopiaFolder('velero', 'app')).toBe('velero/kopia/app/');
  });

  it('requires the eight PutBackup files, never -logs.gz or -csi-*', () => {
    const required = requiredBackupFiles('b');
    expect(required).toHaveLength(8);
    expect(required.some((name) => name.includes('logs') || name.includes('csi'))).toBe(false);
    const files = required.map((name) => ({ key: `backups/b/${name}`, size: name === 'b-results.gz' ? 0 : 10 }));
    expect(summarizeBackupFiles('b', 'backups/b/', files.slice(1))).toEqual({ missingRequired: ['velero-backup.json'], emptyRequired: ['b-results.gz'], logsPresent: false });
  });

  it('classifies tarball entries', () => {
    expect(classifyTarEntry('resources/pods/namespaces/app/web-0.json')).toEqual({ kind: 'namespaced', groupResource: 'pods', namespace: 'app', name: 'web-0', path: 'resources/pods/namespaces/app/web-0.json' });
    expect(classifyTarEntry('./resources/namespaces/cluster/app.json')).toMatchObject({ kind: 'cluster', groupResource: 'namespaces', name: 'app' });
    expect(classifyTarEntry('resources/pods/v1-preferredversion/namespaces/app/web-0.json').kind).toBe('versioned');
    expect(classifyTarEntry('metadata/version').kind).toBe('version-file');
    expect(classifyTarEntry('something/else').kind).toBe('other');
  });

  it('reduces velero-backup.json and the PVB list', () => {
    expect(summarizeBackupMetadata({ metadata: { uid: 'u' }, spec: { includedNamespaces: ['*'], ttl: '336h0m0s' }, status: { phase: 'Completed', warnings: 2 } })).toEqual({
      phase: 'Completed',
      uid: 'u',
      includedNamespaces: ['*'],
      ttl: '336h0m0s',
      errors: 0,
      warnings: 2,
    });
    expect(reducePodVolumeBackups(null)).toEqual([]);
    expect(reducePodVolumeBackups([{ metadata: { name: 'p' }, spec: { pod: { namespace: 'n', name: 'pod' }, volume: 'v', uploaderType: 'kopia' }, status: { phase: 'Completed' } }])).toEqual([
      { name: 'p', podNamespace: 'n', podName: 'pod', volume: 'v', phase: 'Completed', uploaderType: 'kopia' },
    ]);
  });
});
