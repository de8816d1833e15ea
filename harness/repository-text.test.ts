/**
 * The repository speaks of itself: every "docs/<file>.md §N" a comment or doc cites exists with
 * that numbered heading, every relative Markdown link resolves, and no text points at files or
 * circumstances outside the repository.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './schema/reference.ts';

/** Third-party or captured text, kept as it was found: not the repository's own words. */
const NOT_OURS = ['node_modules', '.git', 'reports', 'reference', 'fixtures/gitops', 'fixtures/real-artifacts/cases'];
const TEXT_FILE = /\.(ts|mts|mjs|md|ya?ml)$/;

function repositoryFiles(dir = REPO_ROOT): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const rel = relative(REPO_ROOT, path);
    if (NOT_OURS.includes(rel)) continue;
    // A real-artifact case directory holds a pasted artifact and its upstream notes.
    if (/^fixtures\/real-artifacts\/\d{3}-/.test(rel)) continue;
    if (statSync(path).isDirectory()) files.push(...repositoryFiles(path));
    else if (TEXT_FILE.test(name)) files.push(rel);
  }
  return files;
}

const FILES = repositoryFiles();
const text = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');

/** `docs/<name>.md §3`, `<name>.md §1.3, §2`, `§3/§4`, `§4-5`: the file and each section number cited. */
function citations(source: string): Array<{ doc: string; section: string }> {
  const found: Array<{ doc: string; section: string }> = [];
  for (const match of source.matchAll(/(?:docs\/)?([\w-]+\.md)((?:\s*(?:,|\/|and|[-–])?\s*§?\d+(?:\.\d+)*(?=[\s,.;:)/"'–-]|$))*)/g)) {
    if (!match[2].includes('§') && !/^\s*§/.test(match[2])) continue;
    for (const section of match[2].match(/\d+(?:\.\d+)*/g) ?? []) found.push({ doc: match[1], section });
  }
  return found;
}

/** Numbered headings of a doc: "## 5. Safety", "### 1.3 What …", "### §3. Enumerations". */
function headingNumbers(doc: string): Set<string> {
  const numbers = new Set<string>();
  for (const line of text(join('docs', doc)).split('\n')) {
    const heading = /^#+\s+§?(\d+(?:\.\d+)*)\.?\s/.exec(line);
    if (heading) numbers.add(heading[1]);
  }
  return numbers;
}

describe('the repository speaks of itself', () => {
  it('every "docs/<file>.md §N" citation names a doc that exists and a numbered heading in it', () => {
    const broken: string[] = [];
    const docs = new Set(readdirSync(join(REPO_ROOT, 'docs')));
    const headings = new Map<string, Set<string>>();
    let checked = 0;
    for (const file of FILES) {
      const source = text(file);
      // A quoted path is test data (a file in a scanned repository), not a citation.
      for (const match of source.matchAll(/(?<!['"])docs\/([\w-]+\.md)/g)) if (!docs.has(match[1])) broken.push(`${file}: docs/${match[1]} does not exist`);
      for (const { doc, section } of citations(source)) {
        if (!docs.has(doc)) continue; // an upstream page (e.g. Velero's backup-reference.md), not one of ours
        if (!headings.has(doc)) headings.set(doc, headingNumbers(doc));
        checked += 1;
        if (!headings.get(doc)!.has(section)) broken.push(`${file}: ${doc} §${section} has no heading numbered ${section}`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  it('every relative Markdown link resolves to a file in the repository', () => {
    const broken: string[] = [];
    for (const file of FILES.filter((name) => name.endsWith('.md'))) {
      for (const match of text(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        const target = match[1];
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        if (!existsSync(join(REPO_ROOT, dirname(file), target))) broken.push(`${file}: (${target})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('names no file or circumstance outside the repository', () => {
    const outside = [
      /\.\.\/shared\b|\bshared\/(velero-reference|research|corpus|plan)\b/,
      /\b(DESIGN|FACTS)\.md\b/,
      /\bresearch\/[\w-]+\.md\b/,
      /\bvelero-reference\//,
      /network rule|our CI machines|the team\\?'s/i,
      /\b(issue|ticket) #?\d{1,2}\b/i,
    ];
    const self = relative(REPO_ROOT, import.meta.filename);
    const hits: string[] = [];
    for (const file of FILES.filter((name) => name !== self)) {
      text(file)
        .split('\n')
        .forEach((line, index) => {
          for (const pattern of outside) if (pattern.test(line)) hits.push(`${file}:${index + 1}: ${line.trim().slice(0, 120)}`);
        });
    }
    expect(hits).toEqual([]);
  });
});
