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

describe('concatenated kubectl outputs and duplicate keys', () => {
  const deployList = 'apiVersion: v1\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: velero\n    namespace: velero\nkind: List\nmetadata:\n  resourceVersion: ""\n';
  const bslList = `apiVersion: v1\nitems:\n- ${JSON.stringify(BSL)}\nkind: List\nmetadata:\n  resourceVersion: ""\n`;

  it('reads `-o yaml > f` then `-o yaml >> f` as both Lists, not only the second', () => {
    const path = file('state.yaml', deployList + bslList);
    const state = buildState(readObjectsFromFile(path), { source: { target: 'snapshot', description: path }, namespace: 'velero' });
    expect(state.objects.deployments.map((deployment) => deployment.metadata.name)).toEqual(['velero']);
    expect(state.objects.backupStorageLocations.map((bsl) => bsl.metadata.name)).toEqual(['default']);
  });

  it('reads concatenated single objects and `-o json >> f` alike', () => {
    const single = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: velero\n  namespace: velero\n';
    const yamlPath = file('objects.yaml', single + single.replace('name: velero', 'name: other'));
    expect(readObjectsFromFile(yamlPath).map((object) => (object as { metadata: { name: string } }).metadata.name)).toEqual(['velero', 'other']);
    const jsonPath = file('state.json', `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [BSL] }, null, 4)}\n${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ ...BSL, metadata: { name: 'second', namespace: 'velero' } }] }, null, 4)}\n`);
    const state = buildState(readObjectsFromFile(jsonPath), { source: { target: 'snapshot', description: jsonPath }, namespace: 'velero' });
    expect(state.objects.backupStorageLocations.map((bsl) => bsl.metadata.name)).toEqual(['default', 'second']);
  });

  it('names the line of a problem in the second of two concatenated outputs', () => {
    const path = file('state.yaml', `${deployList}${bslList}  bad: [\n`);
    expect(errorOf(() => readObjectsFromFile(path)).message).toMatch(/state\.yaml, line 1[6-9], column \d+: invalid YAML/);
  });

  it('refuses a genuine duplicate key, naming file and line', () => {
    const topLevel = file('dup.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: "1"\ndata:\n  y: "2"\n');
    expect(errorOf(() => readObjectsFromFile(topLevel)).message).toMatch(/dup\.yaml, line 7, column 1: invalid YAML\/JSON \(a key appears twice in the same mapping \(duplicate key\)\)/);
    const nested = file('nested.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n');
    const error = errorOf(() => readObjectsFromFile(nested));
    expect(error).toBeInstanceOf(AuditInputError);
    expect(error.message).toMatch(/nested\.yaml, line 5, column 3: .*duplicate key/);
  });

  it('refuses an alias bomb by file name, quickly and without expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const path = file('bomb.yaml', `${levels.join('\n')}\n`);
    const error = errorOf(() => readObjectsFromFile(path));
    expect(error).toBeInstanceOf(AuditInputError);
    expect(error.message).toMatch(/bomb\.yaml: invalid YAML\/JSON \(its aliases \(\*name\) expand to more than [\d,]+ values/);
  });

  it('names file and line of an unresolved alias, with the alias text made safe', () => {
    const path = file('alias.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: *missing\u001b]8;;x\n');
    const error = errorOf(() => readObjectsFromFile(path));
    expect(error).toBeInstanceOf(AuditInputError);
    expect(error.message).toMatch(/alias\.yaml, line 4, column \d+: invalid YAML\/JSON \(unidentified alias "missing/);
    expect(error.message).not.toContain('\u001b');
  });

  it('keeps aliases that expand modestly (a hand-written manifest may use them)', () => {
    const path = file('anchors.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &labels {app: x}\n  annotations: *labels\n');
    expect(readObjectsFromFile(path)).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { app: 'x' }, annotations: { app: 'x' } } }]);
  });
});
