/**
 * Every catalog item is wired where CONTRIBUTING.md says a check lives: a judge in JUDGES, the
 * evidence it reads, exactly one `planItem` line in the specs, and a row in the README's item
 * table. A check added in fewer places fails here, by name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG } from './catalog.ts';
import { ITEM_EVIDENCE } from './evidence/shown.ts';
import { JUDGES } from './judge/index.ts';
import { REPO_ROOT } from './schema/reference.ts';

const specs = readdirSync(join(REPO_ROOT, 'specs')).filter((name) => name.endsWith('.spec.ts')).map((name) => readFileSync(join(REPO_ROOT, 'specs', name), 'utf8')).join('\n');
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

describe.each(CATALOG.map((item) => [item.id, item] as const))('catalog item %s', (id, item) => {
  it('has its judge registered (one judge serves every target the item lists)', () => {
    expect(JUDGES[id]).toBeTypeOf('function');
    expect(item.targets.length).toBeGreaterThan(0);
  });

  it('declares the evidence it reads', () => {
    expect(ITEM_EVIDENCE[id]?.reads).toBeTruthy();
  });

  it('is asserted by exactly one spec line', () => {
    expect(specs.split(`planItem('${id}')`).length - 1).toBe(1);
  });

  it('is listed in the README\'s item table', () => {
    expect(readme).toContain(`| \`${id}\` |`);
  });
});
