/**
 * A whole object file offers the signature matcher only the lines that can match
 * (objectFileLinesThatMayMatch); on every object file of the repository's fixtures — the generated
 * snapshots and the real pastes that parse whole — the findings are the same as from every line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenLists, isKubeObject } from '../collect/objects.ts';
import { parseObjectText } from '../collect/read-objects.ts';
import { REPO_ROOT } from '../schema/reference.ts';
import { matchSignatures, objectFileLinesThatMayMatch } from '../triage/match.ts';
import { looksLikeObjects } from './objects.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ya?ml|json|txt)$/.test(name) ? [path] : [];
  });
}

function wholeObjectFile(text: string): boolean {
  if (!looksLikeObjects(text)) return false;
  try {
    return flattenLists(parseObjectText(text)).filter(isKubeObject).length > 0;
  } catch {
    return false;
  }
}

const files = ['fixtures/snapshots', 'fixtures/real-artifacts']
  .flatMap((dir) => filesUnder(join(REPO_ROOT, dir)))
  .map((path) => ({ name: relative(REPO_ROOT, path), text: readFileSync(path, 'utf8') }))
  .filter(({ text }) => wholeObjectFile(text));

describe('the signature lines of whole object files', () => {
  it('covers the fixtures (a guard against an empty table)', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files)('$name: the same findings as from every line', ({ name, text }) => {
    const every = matchSignatures(text.split(/\r?\n|\r/).map((line, index) => ({ text: line, source: name, line: index + 1 })));
    const format = /^\s*[[{]/.test(text) ? 'json' : 'yaml';
    const some = matchSignatures([...objectFileLinesThatMayMatch(text, format)].map((entry) => ({ ...entry, source: name })));
    expect(some).toEqual(every);
  });
});
