import { describe, expect, it } from 'vitest';
import { stateFromObjects } from '../../../fixtures/snapshots/load.ts';
import type { EvidenceSummary } from '../../evidence/types.ts';
import type { State } from '../../state.ts';
import { isPasted, listedInFull } from './listing.ts';

function withEvidence(mode: EvidenceSummary['mode'], lookedFor: EvidenceSummary['lookedFor'], shown: EvidenceSummary['shown'] = []): State {
  const state = stateFromObjects([]);
  state.evidence = { mode, shown, lookedFor, recognised: [], provenance: {}, signatures: [], unread: [] };
  return state;
}

describe('listedInFull: whether an object not in the State does not exist', () => {
  it('a State without evidence (cluster, rendered manifests) lists every kind in full', () => {
    const state = stateFromObjects([]);
    expect(listedInFull(state, 'deployments')).toBe(true);
    expect(listedInFull(state, 'pods')).toBe(true);
    expect(isPasted(state)).toBe(false);
  });

  it('a cluster read does not list in full a kind it could not list (a read gap): its absence shows nothing', () => {
    const state = stateFromObjects([]);
    state.readGaps.push({ resource: 'deployments.apps', verb: 'list', namespace: 'velero', reason: 'forbidden' });
    state.readGaps.push({ resource: 'podvolumebackups.velero.io', verb: 'list', namespace: 'velero', reason: 'forbidden' });
    expect(listedInFull(state, 'deployments')).toBe(false);
    expect(listedInFull(state, 'podVolumeBackups')).toBe(false);
    expect(listedInFull(state, 'daemonSets')).toBe(true);
  });

  it('a paste lists in full only the kinds it proves were listed (a header with no rows)', () => {
    const state = withEvidence('paste', ['daemonSets'], ['pods']);
    expect(isPasted(state)).toBe(true);
    expect(listedInFull(state, 'daemonSets')).toBe(true);
    // Shown is not listed in full: a pods table says nothing about the Deployment, nor that it shows every pod.
    expect(listedInFull(state, 'pods')).toBe(false);
    expect(listedInFull(state, 'deployments')).toBe(false);
  });

  it('a capture lists in full the kinds it captured', () => {
    const state = withEvidence('capture', ['deployments', 'pods']);
    expect(isPasted(state)).toBe(false);
    expect(listedInFull(state, 'deployments')).toBe(true);
    expect(listedInFull(state, 'backups')).toBe(false);
  });
});
