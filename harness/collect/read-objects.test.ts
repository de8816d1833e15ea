import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditInputError } from '../errors.ts';
import { buildState } from './objects.ts';
import { listObjectFiles, readObjectsFromFile } from './read-objects.ts';

function file(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'vv-read-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

const BSL = { apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'default', namespace: 'velero' }, spec: { provider: 'aws', objectStorage: { bucket: 'b' } } };

describe('reading kubectl output', () => {
  it('reads a List, multi-document YAML and JSON alike', () => {
    const list = file('list.yaml', `apiVersion: v1\nkind: List\nitems:\n- ${JSON.stringify(BSL)}\n`);
    const multi = file('multi.yaml', `${JSON.stringify(BSL)}\n---\n${JSON.stringify({ ...BSL, metadata: { name: 'second', namespace: 'velero' } })}\n`);
    const json = file('one.json', JSON.stringify(BSL));
    for (const path of [list, multi, json]) {
      const state = buildState(readObjectsFromFile(path), { source: { target: 'snapshot', description: path }, namespace: 'velero' });
      expect(state.objects.backupStorageLocations.length).toBeGreaterThan(0);
    }
  });

  it('fills in kind and apiVersion for items of a typed list', () => {
    const typed = file('typed.yaml', 'apiVersion: velero.io/v1\nkind: BackupList\nitems:\n- metadata: {name: b1, namespace: velero}\n');
    const state = buildState(readObjectsFromFile(typed), { source: { target: 'snapshot', description: 'x' }, namespace: 'velero' });
    expect(state.objects.backups.map((backup) => backup.metadata.name)).toEqual(['b1']);
  });

  it('counts kinds nobody reads instead of failing', () => {
    const path = file('mixed.yaml', `${JSON.stringify(BSL)}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: velero}\n`);
    const state = buildState(readObjectsFromFile(path), { source: { target: 'snapshot', description: 'x' }, namespace: 'velero' });
    expect(state.ignoredKinds).toEqual({ ServiceAccount: 1 });
  });

  it('names file and line of invalid YAML', () => {
    const path = file('bad.yaml', 'apiVersion: v1\nkind: List\nitems:\n  - metadata: {name: x\n  bad: [\n');
    const error = errorOf(() => readObjectsFromFile(path));
    expect(error).toBeInstanceOf(AuditInputError);
    expect(error.message).toMatch(/bad\.yaml, line \d+, column \d+: invalid YAML/);
  });

  it('refuses binary content by name', () => {
    const path = file('junk.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff, 0xfe]));
    expect(errorOf(() => readObjectsFromFile(path)).message).toMatch(/junk\.yaml, line 1: not a text file/);
  });

  it('explains a directory without object files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vv-empty-'));
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    expect(errorOf(() => listObjectFiles(dir, { flag: '--snapshot' })).message).toMatch(/holds no \.yaml, \.yml or \.json files/);
  });

  it('takes the newest timestamp in the input as the capture time', () => {
    const path = file('t.yaml', JSON.stringify({ ...BSL, metadata: { ...BSL.metadata, creationTimestamp: '2026-01-01T00:00:00Z' }, status: { lastValidationTime: '2026-11-25T09:59:30Z' } }));
    const state = buildState(readObjectsFromFile(path), { source: { target: 'snapshot', description: 'x' }, namespace: 'velero' });
    expect(state.capturedAt).toBe('2026-11-25T09:59:30.000Z');
  });
});
