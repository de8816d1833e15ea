import { describe, expect, it } from 'vitest';
import { analyzeRetention } from './retention.ts';
import { describeRule, rulesFromPlan, type LifecycleRule } from './rule.ts';
import { normalizeLifecycleRules, parseLifecycleXml } from './s3-rules.ts';
import { prefixesOverlap, veleroRoot } from './velero-prefixes.ts';

const HOUR = 3_600_000;
const TTL_336H = 336 * HOUR;
const SLACK_48H = 48 * HOUR;

function analyze(rules: LifecycleRule[], veleroPrefix = '') {
  return analyzeRetention({ rules, veleroPrefix, longestTtlMs: TTL_336H, gcSlackMs: SLACK_48H });
}

describe('normalizeLifecycleRules', () => {
  it('reads Filter.Prefix, Filter.And.Prefix, the legacy rule Prefix and an empty filter', () => {
    const rules = normalizeLifecycleRules({
      Rules: [
        { ID: 'a', Status: 'Enabled', Filter: { Prefix: 'backups/' }, Expiration: { Days: 20 } },
        { ID: 'b', Status: 'Enabled', Filter: { And: { Prefix: 'kopia/', ObjectSizeGreaterThan: 10 } }, Expiration: { Days: 3 } },
        { ID: 'c', Status: 'Enabled', Prefix: 'restores/', Expiration: { Days: 1 } },
        { ID: 'd', Status: 'Disabled', Filter: {}, Expiration: { Date: new Date('2030-01-01T00:00:00Z') } },
        { Status: 'Enabled', Filter: { Tag: { Key: 'tier', Value: 'cold' } }, Expiration: { Days: 1 } },
        { ID: 'f', Status: 'Enabled', Filter: { Prefix: 'kopia/' }, NoncurrentVersionExpiration: { NoncurrentDays: 7 }, Expiration: { ExpiredObjectDeleteMarker: true } },
      ],
    });
    expect(rules.map((rule) => [rule.id, rule.prefix, rule.prefixSource, rule.enabled])).toEqual([
      ['a', 'backups/', 'Filter.Prefix', true],
      ['b', 'kopia/', 'Filter.And.Prefix', true],
      ['c', 'restores/', 'Prefix', true],
      ['d', '', 'none', false],
      ['#5', '', 'none', true],
      ['f', 'kopia/', 'Filter.Prefix', true],
    ]);
    expect(rules[1].sizeScoped).toBe(true);
    expect(rules[3].expirationDate).toBe('2030-01-01T00:00:00.000Z');
    expect(rules[4].tagScoped).toBe(true);
    expect(rules[5]).toMatchObject({ noncurrentExpirationDays: 7, expiredObjectDeleteMarker: true });
    expect(rules[5].expirationDays).toBeUndefined();
  });

  it('treats no configuration as no rules', () => {
    expect(normalizeLifecycleRules(undefined)).toEqual([]);
    expect(normalizeLifecycleRules({})).toEqual([]);
  });
});

describe('parseLifecycleXml', () => {
  it('parses MinIO XML with every filter shape', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Rule><ID>all</ID><Status>Enabled</Status><Filter></Filter><Expiration><Days>14</Days></Expiration></Rule>
  <Rule><ID>and</ID><Status>Enabled</Status><Filter><And><Prefix>backups/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Expiration><Days>30</Days></Expiration></Rule>
  <Rule><ID>legacy</ID><Prefix>kopia/</Prefix><Status>Disabled</Status><Expiration><Date>2031-02-03T00:00:00Z</Date></Expiration></Rule>
  <Rule><ID>empty-prefix</ID><Status>Enabled</Status><Filter><Prefix/></Filter><Expiration><Days>7</Days></Expiration></Rule>
</LifecycleConfiguration>`;
    const rules = parseLifecycleXml(xml);
    expect(rules).toHaveLength(4);
    expect(rules[0]).toMatchObject({ id: 'all', prefix: '', enabled: true, expirationDays: 14, tagScoped: false });
    expect(rules[1]).toMatchObject({ id: 'and', prefix: 'backups/', prefixSource: 'Filter.And.Prefix', tagScoped: true });
    expect(rules[2]).toMatchObject({ id: 'legacy', prefix: 'kopia/', prefixSource: 'Prefix', enabled: false, expirationDate: '2031-02-03T00:00:00.000Z' });
    expect(rules[3]).toMatchObject({ id: 'empty-prefix', prefix: '', prefixSource: 'Filter.Prefix', expirationDays: 7 });
  });

  it('rejects a document that is not a lifecycle configuration', () => {
    expect(() => parseLifecycleXml('<Error><Code>NoSuchLifecycleConfiguration</Code></Error>')).toThrow(/LifecycleConfiguration/);
    expect(() => parseLifecycleXml('<LifecycleConfiguration><Rule></LifecycleConfiguration>')).toThrow(/malformed XML/);
  });
});

describe('prefixesOverlap and veleroRoot', () => {
  it('matches in both directions and treats "" as the whole bucket', () => {
    expect(prefixesOverlap('', 'kopia/')).toBe(true);
    expect(prefixesOverlap('k', 'kopia/')).toBe(true);
    expect(prefixesOverlap('kopia/ns1/', 'kopia/')).toBe(true);
    expect(prefixesOverlap('backups/', 'kopia/')).toBe(false);
    expect(prefixesOverlap('velero/', 'kopia/')).toBe(false);
  });
  it('normalises the BSL prefix', () => {
    expect(veleroRoot('')).toBe('');
    expect(veleroRoot(undefined)).toBe('');
    expect(veleroRoot('velero')).toBe('velero/');
    expect(veleroRoot('/velero//')).toBe('velero/');
  });
});

describe('analyzeRetention', () => {
  it('no lifecycle is the safe state', () => {
    const result = analyze([]);
    expect(result.status).toBe('pass');
    expect(result.critical).toBe(false);
    expect(result.remediation).toBeUndefined();
    expect(result.evidence[0]).toMatch(/No lifecycle rules/);
  });

  it('the plan as written (bucket-wide 14 days) is critical and names the rule', () => {
    const result = analyze(rulesFromPlan([{ prefix: '', expirationDays: 14 }]));
    expect(result.status).toBe('fail');
    expect(result.critical).toBe(true);
    expect(result.summary).toMatch(/"plan rule #1" expires objects under kopia\//);
    // 14 days = TTL exactly: not shorter than TTL, but shorter than TTL + slack → also a warning
    expect(result.problems.map((problem) => [problem.severity, problem.area])).toEqual([
      ['critical', 'kopia'],
      ['warn', 'backups'],
    ]);
    expect(result.remediation).toMatch(/Remove lifecycle rule "plan rule #1"/);
    expect(result.remediation).toMatch(/"backups\/" only with Expiration Days >= 16/);
    expect(result.remediation).toMatch(/never let an expiration reach "kopia\/"/);
  });

  it('a kopia/ rule is critical whatever the days, also under a BSL prefix and with a size filter', () => {
    const rules = normalizeLifecycleRules([{ ID: 'k', Status: 'Enabled', Filter: { And: { Prefix: 'velero/kopia/ns1/', ObjectSizeGreaterThan: 1 } }, Expiration: { Days: 3650 } }]);
    const result = analyze(rules, 'velero');
    expect(result.critical).toBe(true);
    expect(result.problems[0].message).toMatch(/size filter does not make it safe/);
    expect(result.targets.kopia).toBe('velero/kopia/');
  });

  it('a rule outside the BSL prefix is harmless', () => {
    const rules = normalizeLifecycleRules([{ ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'scratch/' }, Expiration: { Days: 1 } }]);
    const result = analyze(rules, 'velero');
    expect(result.status).toBe('pass');
    expect(result.problems[0]).toMatchObject({ severity: 'info', area: 'other' });
  });

  it('a backups/ rule shorter than the TTL fails', () => {
    const result = analyze(normalizeLifecycleRules([{ ID: 'short', Status: 'Enabled', Filter: { Prefix: 'backups/' }, Expiration: { Days: 7 } }]));
    expect(result.status).toBe('fail');
    expect(result.critical).toBe(false);
    expect(result.problems[0]).toMatchObject({ severity: 'fail', ruleId: 'short', area: 'backups' });
    expect(result.summary).toMatch(/expires backups before their TTL/);
  });

  it('a backups/ rule equal to the TTL warns (races GC); one of TTL + slack passes', () => {
    const equal = analyze(normalizeLifecycleRules([{ ID: 'eq', Status: 'Enabled', Filter: { Prefix: 'backups/' }, Expiration: { Days: 14 } }]));
    expect(equal.status).toBe('pass');
    expect(equal.warnings).toHaveLength(1);
    expect(equal.remediation).toMatch(/"eq"/);
    const long = analyze(normalizeLifecycleRules([{ ID: 'long', Status: 'Enabled', Filter: { Prefix: 'backups/' }, Expiration: { Days: 16 } }]));
    expect(long.status).toBe('pass');
    expect(long.warnings).toHaveLength(0);
    expect(long.remediation).toBeUndefined();
    expect(long.problems[0].message).toMatch(/backstop/);
  });

  it('a fixed-date expiration on backups/ fails', () => {
    const result = analyze(normalizeLifecycleRules([{ ID: 'date', Status: 'Enabled', Prefix: 'backups/', Expiration: { Date: '2030-01-01T00:00:00Z' } }]));
    expect(result.problems[0]).toMatchObject({ severity: 'fail', area: 'backups' });
  });

  it('disabled rules are ignored', () => {
    const result = analyze(normalizeLifecycleRules([{ ID: 'off', Status: 'Disabled', Filter: {}, Expiration: { Days: 1 } }]));
    expect(result.status).toBe('pass');
    expect(result.problems[0].message).toMatch(/Disabled/);
  });

  it('noncurrent-version expiration on kopia/ is compatible; a transition warns', () => {
    const result = analyze(
      normalizeLifecycleRules([
        { ID: 'nc', Status: 'Enabled', Filter: { Prefix: 'kopia/' }, NoncurrentVersionExpiration: { NoncurrentDays: 7 } },
        { ID: 'tr', Status: 'Enabled', Filter: { Prefix: 'kopia/' }, Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] },
      ]),
    );
    expect(result.status).toBe('pass');
    expect(result.problems.map((problem) => [problem.ruleId, problem.severity])).toEqual([
      ['tr', 'warn'],
      ['nc', 'info'],
    ]);
  });

  it('a tag-scoped rule only warns', () => {
    const result = analyze(normalizeLifecycleRules([{ ID: 'tag', Status: 'Enabled', Filter: { Tag: { Key: 'a', Value: 'b' } }, Expiration: { Days: 1 } }]));
    expect(result.status).toBe('pass');
    expect(result.warnings[0]).toMatch(/tag-scoped/);
  });

  it('describeRule names scope, action and status', () => {
    expect(describeRule(rulesFromPlan([{ prefix: '', expirationDays: 14 }])[0])).toBe(
      'rule "plan rule #1" (the whole bucket, Expiration 14 days, Enabled)',
    );
  });
});
