/**
 * One judge per item: the same objects give the same verdict whether they arrive as rendered
 * manifests (`--manifests`) or as captured evidence (`--snapshot`). Table-driven over every
 * manifests fixture that exists as plain Kubernetes objects (the good homelab rendering and each
 * broken rendered variant), for every item both targets evaluate.
 *
 * One difference is by design, and asserted as such: on a repository's files the plan's declared
 * bucket lifecycle stands in for the bucket (which files never show), so beyond.retention judges
 * it there; a snapshot without a bucket capture does not show the lifecycle.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG, type ItemId } from '../catalog.ts';
import { collectManifests } from '../collect/manifests.ts';
import { loadPlan } from '../plan.ts';
import { collectSnapshot } from '../targets/snapshot.ts';
import { GOOD_FIXTURE, variants } from '../../fixtures/manifests/variants.ts';
import { judgeItem } from './index.ts';
import type { Finding } from './types.ts';

const NOW = new Date('2026-11-25T12:00:00Z');
const BOTH_TARGETS = CATALOG.filter((item) => (item.targets as readonly string[]).includes('manifests') && (item.targets as readonly string[]).includes('snapshot')).map((item) => item.id);
const FIXTURES = [{ name: GOOD_FIXTURE.name, path: GOOD_FIXTURE.path, configFile: GOOD_FIXTURE.configFile }, ...variants.map(({ name, path, configFile }) => ({ name, path, configFile }))];

/** Items whose verdict may differ because one input kind has a fact the other cannot have. */
const BY_DESIGN: Partial<Record<ItemId, (snapshot: Finding) => void>> = {
  'beyond.retention': (snapshot) => {
    expect(snapshot.status).toBe('skip');
    expect(snapshot.summary).toMatch(/no bucket capture/);
  },
};

async function judgeBoth(fixture: (typeof FIXTURES)[number], id: ItemId): Promise<{ manifests: Finding; snapshot: Finding }> {
  const { plan } = loadPlan({ explicitPath: fixture.configFile });
  const manifestsState = collectManifests({ paths: [fixture.path], plan });
  const snapshotState = await collectSnapshot(fixture.path, plan);
  return {
    manifests: judgeItem(id, { state: manifestsState, plan, target: 'manifests', now: NOW }),
    snapshot: judgeItem(id, { state: snapshotState, plan, target: 'snapshot', now: NOW }),
  };
}

describe('the same objects get the same verdict on --manifests and --snapshot', () => {
  it('covers every item both targets evaluate', () => {
    expect(BOTH_TARGETS).toEqual(expect.arrayContaining(['must.fsb-kopia', 'must.s3-target', 'must.schedule', 'guard.k8s-secrets', 'guard.lan-only', 'beyond.image-pinning', 'beyond.node-agent-admitted']));
  });

  const cases = FIXTURES.flatMap((fixture) => BOTH_TARGETS.map((id) => [fixture.name, id, fixture] as const));
  it.each(cases)('%s: %s', async (_name, id, fixture) => {
    const { manifests, snapshot } = await judgeBoth(fixture, id);
    const byDesign = BY_DESIGN[id];
    if (byDesign) {
      byDesign(snapshot);
      return;
    }
    expect({ status: snapshot.status, summary: snapshot.summary }, `manifests: ${manifests.summary}\nsnapshot: ${snapshot.summary}`).toEqual({ status: manifests.status, summary: manifests.summary });
  });

  it('the variants fail on both targets the item they break (the table above is not all passes)', async () => {
    let failedBoth = 0;
    for (const variant of variants) {
      // A broken repository (--repo) is a fact neither input here carries.
      if (BY_DESIGN[variant.failsItem] || variant.repoDir !== GOOD_FIXTURE.repoDir) continue;
      const { manifests, snapshot } = await judgeBoth({ name: variant.name, path: variant.path, configFile: variant.configFile }, variant.failsItem);
      expect([manifests.status, snapshot.status], variant.name).toEqual(['fail', 'fail']);
      failedBoth += 1;
    }
    expect(failedBoth).toBeGreaterThanOrEqual(10);
  });
});
