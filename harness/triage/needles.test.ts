import { describe, expect, it } from 'vitest';
import { NeedleSet } from './needles.ts';
import { SIGNATURES } from './signatures.ts';

/** A deterministic pseudo-random generator (no clock, no Math.random): the same cases every run. */
function* pseudoRandom(seed: number): Generator<number> {
  let state = seed;
  for (;;) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    yield state / 0x7fffffff;
  }
}

describe('NeedleSet', () => {
  const needles = [...new Set(SIGNATURES.flatMap((signature) => signature.needles ?? []))];
  const set = new NeedleSet(needles);
  const naive = (text: string) => needles.some((needle) => text.includes(needle));

  it('finds each needle at the start, the middle and the end of a line', () => {
    for (const needle of needles) {
      expect(set.test(needle), needle).toBe(true);
      expect(set.test(`time="2024-01-01T00:00:00Z" level=info msg="${needle}`), needle).toBe(true);
      expect(set.test(`${needle} trailing text`), needle).toBe(true);
      expect(set.test(needle.slice(0, -1)), `${needle} cut short`).toBe(naive(needle.slice(0, -1)));
    }
  });

  it('agrees with a plain search on lines built from needle fragments, noise and non-Latin characters', () => {
    const random = pseudoRandom(42);
    const next = () => random.next().value as number;
    const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/"=.-_\tüß€中ɐ';
    let hits = 0;
    for (let i = 0; i < 3000; i++) {
      let text = '';
      while (text.length < 10 + next() * 200) {
        const roll = next();
        if (roll < 0.01) {
          text += needles[Math.floor(next() * needles.length)];
        } else if (roll < 0.15) {
          const needle = needles[Math.floor(next() * needles.length)];
          const from = Math.floor(next() * needle.length);
          text += needle.slice(from, from + 1 + Math.floor(next() * needle.length));
        } else {
          text += alphabet[Math.floor(next() * alphabet.length)];
        }
      }
      const expected = naive(text);
      if (expected) hits += 1;
      expect(set.test(text), JSON.stringify(text)).toBe(expected);
    }
    expect(hits).toBeGreaterThan(100);
  });

  it('finds where the leftmost needle starts, from any position of a long text', () => {
    const random = pseudoRandom(7);
    const next = () => random.next().value as number;
    let text = '';
    while (text.length < 200_000) text += next() < 0.002 ? needles[Math.floor(next() * needles.length)] : 'abcdefghij klmnopqrstuvwxyz\n"{:,}'[Math.floor(next() * 33)];
    const leftmost = (from: number) => Math.min(...needles.map((needle) => text.indexOf(needle, from)).map((at) => (at === -1 ? Infinity : at)));
    let found = 0;
    for (let from = 0, at = set.find(text); ; at = set.find(text, from)) {
      const expected = leftmost(from);
      expect(at, `from ${from}`).toBe(expected === Infinity ? -1 : expected);
      if (at === -1) break;
      found += 1;
      from = at + 1;
    }
    expect(found).toBeGreaterThan(100);
  });

  it('refuses needles too short to skip by', () => {
    expect(() => new NeedleSet(['ab'])).toThrow(/at least 4 characters/);
    expect(() => new NeedleSet([])).toThrow(/at least 4 characters/);
  });
});
