import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditInputError } from '../errors.ts';
import { loadKubeTarget } from './config.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  dirs.push(dir);
  return dir;
}

function kubeconfig(contexts: Array<{ name: string; server: string }>, current?: string): string {
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const c of contexts) lines.push(`- name: ${c.name}-cluster`, '  cluster:', `    server: ${c.server}`);
  lines.push('users:');
  for (const c of contexts) lines.push(`- name: ${c.name}-user`, '  user:', '    token: t');
  lines.push('contexts:');
  for (const c of contexts) lines.push(`- name: ${c.name}`, '  context:', `    cluster: ${c.name}-cluster`, `    user: ${c.name}-user`);
  if (current) lines.push(`current-context: ${current}`);
  return `${lines.join('\n')}\n`;
}

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AuditInputError);
    return (error as Error).message;
  }
  throw new Error('expected an AuditInputError');
}

describe('loadKubeTarget', () => {
  it('uses --kubeconfig and its current-context', () => {
    const dir = tempDir();
    const file = write(dir, 'a', kubeconfig([{ name: 'home', server: 'https://127.0.0.1:6443' }, { name: 'lab', server: 'https://127.0.0.2:6443' }], 'lab'));
    const target = loadKubeTarget({ kubeconfig: file, env: {} });
    expect(target).toMatchObject({ context: 'lab', server: 'https://127.0.0.2:6443', kubeconfigSource: `--kubeconfig ${file}` });
  });

  it('--context wins over current-context', () => {
    const dir = tempDir();
    const file = write(dir, 'a', kubeconfig([{ name: 'home', server: 'https://127.0.0.1:6443' }, { name: 'lab', server: 'https://127.0.0.2:6443' }], 'lab'));
    expect(loadKubeTarget({ kubeconfig: file, context: 'home', env: {} }).server).toBe('https://127.0.0.1:6443');
  });

  it('merges KUBECONFIG paths like kubectl: first file wins, current-context from the first that sets one', () => {
    const dir = tempDir();
    const a = write(dir, 'a', kubeconfig([{ name: 'home', server: 'https://127.0.0.1:6443' }]));
    const b = write(dir, 'b', kubeconfig([{ name: 'home', server: 'https://127.0.0.9:6443' }, { name: 'lab', server: 'https://127.0.0.2:6443' }], 'home'));
    const target = loadKubeTarget({ env: { KUBECONFIG: [a, join(dir, 'missing'), b].join(delimiter) } });
    expect(target.context).toBe('home');
    expect(target.server).toBe('https://127.0.0.1:6443');
    expect(target.files).toEqual([a, b]);
    expect(loadKubeTarget({ env: { KUBECONFIG: [a, b].join(delimiter) }, context: 'lab' }).server).toBe('https://127.0.0.2:6443');
  });

  it('falls back to ~/.kube/config', () => {
    const home = tempDir();
    mkdirSync(join(home, '.kube'));
    write(join(home, '.kube'), 'config', kubeconfig([{ name: 'home', server: 'https://127.0.0.1:6443' }], 'home'));
    expect(loadKubeTarget({ env: {}, homeDir: home }).context).toBe('home');
  });

  it('no kubeconfig anywhere → AuditInputError, never localhost:8080', () => {
    const message = inputError(() => loadKubeTarget({ env: {}, homeDir: tempDir() }));
    expect(message).toMatch(/No kubeconfig found.*--kubeconfig.*never falls back to localhost:8080/);
  });

  it('missing --kubeconfig file, KUBECONFIG with no existing file, unreadable YAML', () => {
    const dir = tempDir();
    expect(inputError(() => loadKubeTarget({ kubeconfig: join(dir, 'nope'), env: {} }))).toContain('(--kubeconfig) does not exist');
    expect(inputError(() => loadKubeTarget({ env: { KUBECONFIG: join(dir, 'nope') } }))).toContain('none of its files exist');
    const bad = write(dir, 'bad', 'clusters: [ {');
    expect(inputError(() => loadKubeTarget({ kubeconfig: bad, env: {} }))).toContain('cannot be read');
  });

  it('no current-context and no --context → AuditInputError listing the contexts', () => {
    const dir = tempDir();
    const file = write(dir, 'a', kubeconfig([{ name: 'home', server: 'https://127.0.0.1:6443' }, { name: 'lab', server: 'https://127.0.0.2:6443' }]));
    expect(inputError(() => loadKubeTarget({ kubeconfig: file, env: {} }))).toMatch(/no current-context.*contexts in it: home, lab.*--context/);
  });

  it('an unknown --context → AuditInputError listing the contexts', () => {
    const dir = tempDir();
    const file = write(dir, 'a', kubeconfig([{ name: 'home', server: 'https://127.0.0.1:6443' }], 'home'));
    expect(inputError(() => loadKubeTarget({ kubeconfig: file, context: 'prod', env: {} }))).toMatch(/"prod" \(--context\) is not defined.*contexts in it: home/);
  });

  it('a context whose cluster is not defined → AuditInputError', () => {
    const dir = tempDir();
    const text = kubeconfig([{ name: 'home', server: 'https://127.0.0.1:6443' }], 'home').replace('cluster: home-cluster', 'cluster: elsewhere');
    expect(inputError(() => loadKubeTarget({ kubeconfig: write(dir, 'a', text), env: {} }))).toContain('refers to cluster "elsewhere"');
  });
});
