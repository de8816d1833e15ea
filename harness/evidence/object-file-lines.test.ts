/**
 * A whole object file offers the signature matcher only what can match (objectFileLinesThatMayMatch,
 * and matchObjectFile, which reads a capture without signature context from its objects); on every
 * object file of the repository's fixtures — the generated snapshots and the real pastes that parse
 * whole — the findings are the same as from every line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenLists, isKubeObject } from '../collect/objects.ts';
import type { KubeObject } from '../state.ts';
import { parseObjectText } from '../collect/read-objects.ts';
import { REPO_ROOT } from '../schema/reference.ts';
import { createMatcher, matchSignatures } from '../triage/match.ts';
import { matchObjectFile, objectFileLinesThatMayMatch, yamlContextMayMatter } from '../triage/object-file.ts';
import { looksLikeObjects } from './objects.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ya?ml|json|txt)$/.test(name) ? [path] : [];
  });
}

function objectsOf(text: string): KubeObject[] {
  if (!looksLikeObjects(text)) return [];
  try {
    return flattenLists(parseObjectText(text)).filter(isKubeObject);
  } catch {
    return [];
  }
}

const files = ['fixtures/snapshots', 'fixtures/real-artifacts']
  .flatMap((dir) => filesUnder(join(REPO_ROOT, dir)))
  .map((path) => ({ name: relative(REPO_ROOT, path), text: readFileSync(path, 'utf8') }))
  .map((file) => ({ ...file, objects: objectsOf(file.text) }))
  .filter(({ objects }) => objects.length > 0);

describe('the signature lines of whole object files', () => {
  it('covers the fixtures, YAML read from its objects and from its lines (a guard against an empty table)', () => {
    expect(files.length).toBeGreaterThan(20);
    const yaml = files.filter(({ text }) => !/^\s*[[{]/.test(text));
    expect(yaml.filter(({ text }) => yamlContextMayMatter(text)).length).toBeGreaterThan(5);
    expect(yaml.filter(({ text }) => !yamlContextMayMatter(text)).length).toBeGreaterThan(5);
  });

  it.each(files)('$name: the same findings as from every line', ({ name, text, objects }) => {
    const every = matchSignatures(text.split(/\r?\n|\r/).map((line, index) => ({ text: line, source: name, line: index + 1 })));
    const format = /^\s*[[{]/.test(text) ? 'json' : 'yaml';
    const some = matchSignatures([...objectFileLinesThatMayMatch(text, format)].map((entry) => ({ ...entry, source: name })));
    expect(some).toEqual(every);
    const matcher = createMatcher();
    matchObjectFile(matcher, text, format, name, objects);
    expect(matcher.results()).toEqual(every);
  });
});

describe('a capture read from its objects', () => {
  const described = ['$ velero backup describe nightly-1', 'Name:         nightly-1', 'Namespace:    velero', 'Phase:  Failed (run `velero backup logs nightly-1` for more information)'];
  const capture = (status: string) => `apiVersion: velero.io/v1\nkind: Backup\nmetadata:\n  name: nightly-1\n  namespace: velero\nspec: {}\n${status}`;
  const lines = (text: string[], source: string) => text.map((line, index) => ({ text: line, source, line: index + 1 }));

  it.each([
    ['a later capture shows the backup Completed: the failure no longer counts', 'status:\n  phase: Completed\n', []],
    ['a later capture shows the backup without a phase: the failure still counts', '', ['VV-BKP-001']],
  ])('%s', (_case, status, codes) => {
    const text = capture(status);
    expect(yamlContextMayMatter(text)).toBe(false);
    const every = matchSignatures([...lines(described, 'describe.txt'), ...lines(text.split('\n'), 'velero.yaml')]);
    const matcher = createMatcher();
    for (const line of lines(described, 'describe.txt')) matcher.push(line);
    expect(matcher.results().map((match) => match.code)).toEqual(['VV-BKP-001']);
    matchObjectFile(matcher, text, 'yaml', 'velero.yaml', objectsOf(text));
    expect(matcher.results()).toEqual(every);
    expect(every.map((match) => match.code)).toEqual(codes);
  });
});
