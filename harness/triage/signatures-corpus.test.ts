/**
 * The registry against real pastes (fixtures/real-artifacts: 43 artifacts from public issues, each
 * with the findings it shows and the items it does not show). Every match must land on an item the
 * case lists as failed; nothing may match on an APPROVE case or on a not-shown item. Recall (which
 * failed findings the registry finds) is asserted per case.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchSignatures } from './match.ts';
import type { SignatureMatch } from './match/types.ts';

const CORPUS = join(import.meta.dirname, '../../fixtures/real-artifacts');

interface Expected {
  source: string;
  verdict: 'APPROVE' | 'REJECT';
  findings: Array<{ item: string; status: 'fail' | 'pass'; evidence: string }>;
  not_shown: string[];
}

/** The corpus's vocabulary item each catalog item (and the credential codes) stands for. */
const VOCABULARY: Record<string, string> = {
  'dod.pods-running': 'pods-running',
  'must.fsb-kopia': 'node-agent-running',
  'dod.bsl-available': 'bsl-available',
  'dod.manual-backup': 'backup-completed',
  'beyond.volume-coverage': 'fsb-volumes-backed-up',
  'dod.data-in-bucket': 'data-in-bucket',
  'must.schedule': 'schedule-configured',
  'beyond.restore': 'restore-completed',
  'beyond.retention': 'retention',
  'beyond.repository': 'repository-healthy',
};
/** Codes that say the credentials are bad (the corpus's `credentials-valid`; in the catalog they fail the BSL). */
const CREDENTIAL_CODES = new Set(['VV-BSL-001', 'VV-BSL-002', 'VV-BSL-003']);

function vocabularyOf(match: SignatureMatch): string[] {
  const items = [VOCABULARY[match.item]];
  if (CREDENTIAL_CODES.has(match.code)) items.push('credentials-valid');
  return items;
}

const cases = readdirSync(CORPUS)
  .filter((name) => /^\d{3}-/.test(name))
  .sort()
  .map((name) => {
    const text = readFileSync(join(CORPUS, name, 'artifact.txt'), 'utf8');
    const expected = JSON.parse(readFileSync(join(CORPUS, name, 'expected.json'), 'utf8')) as Expected;
    const lines = text.split('\n').map((line, index) => ({ text: line, source: `${name}/artifact.txt`, line: index + 1 }));
    return { name, text, expected, matches: matchSignatures(lines) };
  });

describe('failure signatures on the real-artifact corpus', () => {
  it('reads all 43 cases', () => {
    expect(cases).toHaveLength(43);
  });

  for (const { name, text, expected, matches } of cases) {
    it(`${name}: every match is a failure the artifact shows, on its evidence`, () => {
      const failed = new Set(expected.findings.filter((finding) => finding.status === 'fail').map((finding) => finding.item));
      if (expected.verdict === 'APPROVE') expect(matches.map((match) => match.code)).toEqual([]);
      for (const match of matches) {
        for (const item of vocabularyOf(match)) {
          expect(expected.not_shown, `${match.code} judges ${item}, which ${name} does not show`).not.toContain(item);
          expect([...failed], `${match.code} fails ${item}, which ${name} does not show failed`).toContain(item);
        }
        const artifactLines = text.split('\n');
        for (const line of match.evidence) expect(artifactLines[line.line - 1]?.length, `${match.code} quotes line ${line.line}`).toBeGreaterThan(0);
      }
    });
  }

  it('finds every failed finding of every case (recall per case)', () => {
    const misses: string[] = [];
    let found = 0;
    let total = 0;
    for (const { name, expected, matches } of cases) {
      const covered = new Set(matches.flatMap(vocabularyOf));
      for (const finding of expected.findings.filter((entry) => entry.status === 'fail')) {
        total += 1;
        if (covered.has(finding.item)) found += 1;
        else misses.push(`${name}: ${finding.item}`);
      }
    }
    expect(misses).toEqual([]);
    expect(total).toBe(38);
    expect(found).toBe(total);
  });
});
