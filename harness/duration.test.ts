import { describe, expect, it } from 'vitest';
import { formatDuration, parseGoDuration } from './duration.ts';

describe('parseGoDuration', () => {
  it('treats the chart form and the server form of the plan TTL as equal (docs/velero-facts.md §3)', () => {
    expect(parseGoDuration('336h')).toBe(parseGoDuration('336h0m0s'));
    expect(parseGoDuration('336h')).toBe(14 * 24 * 3_600_000);
  });

  it.each([
    ['720h0m0s', 720 * 3_600_000],
    ['1h30m', 90 * 60_000],
    ['1.5h', 90 * 60_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['0', 0],
    ['-1h', -3_600_000],
  ])('parses %s', (text, ms) => expect(parseGoDuration(text)).toBe(ms));

  it.each(['', '14d', '336', 'h', '1h 30m', 'abc', '14 days'])('rejects %j', (text) => expect(parseGoDuration(text)).toBeUndefined());
});

describe('formatDuration', () => {
  it('shows whole days with hours', () => expect(formatDuration(336 * 3_600_000)).toBe('14d (336h)'));
  it('shows hours, minutes and seconds', () => {
    expect(formatDuration(26 * 3_600_000)).toBe('26h');
    expect(formatDuration(45 * 60_000)).toBe('45m');
    expect(formatDuration(30_000)).toBe('30s');
  });
});
