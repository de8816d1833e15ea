import { describe, expect, it } from 'vitest';
import { buildState } from '../collect/objects.ts';
import { defaultPlan } from '../plan.ts';
import type { KubeObject } from '../state.ts';
import { judgeImagePinning } from './image-pinning.ts';
import { expectedAwsPluginLine, parseImageRef, parseVersion, pinProblem } from './images.ts';
import { judgeItem } from './index.ts';

describe('parseImageRef', () => {
  it.each([
    ['docker.io/velero/velero:v1.18.1', { registry: 'docker.io', repository: 'velero/velero', name: 'velero', tag: 'v1.18.1', digest: undefined }],
    ['velero/velero-plugin-for-aws', { registry: undefined, repository: 'velero/velero-plugin-for-aws', name: 'velero-plugin-for-aws', tag: undefined, digest: undefined }],
    ['localhost:5000/velero:v1', { registry: 'localhost:5000', repository: 'velero', name: 'velero', tag: 'v1', digest: undefined }],
    ['quay.io/x/y@sha256:abc', { registry: 'quay.io', repository: 'x/y', name: 'y', tag: undefined, digest: 'sha256:abc' }],
    ['quay.io/x/y:v2@sha256:abc', { registry: 'quay.io', repository: 'x/y', name: 'y', tag: 'v2', digest: 'sha256:abc' }],
  ])('%s', (raw, expected) => {
    expect(parseImageRef(raw)).toEqual({ raw, ...expected });
  });

  it('pinning: a digest or a tag other than latest', () => {
    expect(pinProblem(parseImageRef('velero/velero:v1.18.1'))).toBeUndefined();
    expect(pinProblem(parseImageRef('velero/velero@sha256:abc'))).toBeUndefined();
    expect(pinProblem(parseImageRef('velero/velero'))).toMatch(/no tag/);
    expect(pinProblem(parseImageRef('velero/velero:latest'))).toMatch(/latest/);
    expect(pinProblem(parseImageRef('localhost:5000/velero'))).toMatch(/no tag/);
  });

  it('versions and the docs/velero-facts.md §7 pairing', () => {
    expect(parseVersion('v1.14.0-rc.1')).toEqual({ major: 1, minor: 14, patch: 0, prerelease: 'rc.1' });
    expect(parseVersion('latest')).toBeUndefined();
    expect(expectedAwsPluginLine(parseVersion('v1.18.1')!)).toBe('1.14');
    expect(expectedAwsPluginLine(parseVersion('1.17.2')!)).toBe('1.13');
    expect(expectedAwsPluginLine(parseVersion('v1.13.0')!)).toBe('1.9');
    expect(expectedAwsPluginLine(parseVersion('v1.19.0')!)).toBeUndefined();
  });
});

function deployment(images: { server: string; plugin?: string }): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'velero', namespace: 'velero' },
    spec: {
      template: {
        spec: {
          containers: [{ name: 'velero', image: images.server, args: ['server'] }],
          initContainers: images.plugin ? [{ name: 'velero-plugin-for-aws', image: images.plugin }] : [],
        },
      },
    },
  };
}

function daemonSet(image: string): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'node-agent', namespace: 'velero' }, spec: { template: { spec: { containers: [{ name: 'node-agent', image }] } } } };
}

function liveJudge(objects: KubeObject[]) {
  const state = buildState(objects, { source: { target: 'cluster', description: 'test' }, namespace: 'velero' });
  return judgeItem('beyond.image-pinning', { state, plan: defaultPlan(), target: 'cluster', now: new Date() });
}

describe('beyond.image-pinning (live branch, same pure judge)', () => {
  it('passes pinned, paired images', () => {
    const finding = liveJudge([deployment({ server: 'velero/velero:v1.18.1', plugin: 'velero/velero-plugin-for-aws:v1.14.2' }), daemonSet('velero/velero:v1.18.1')]);
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toContain('Pairing: Velero v1.18.x needs velero-plugin-for-aws v1.14.x; found v1.14.2');
  });

  it('fails a plugin of the wrong line with the fix', () => {
    const finding = liveJudge([deployment({ server: 'velero/velero:v1.18.1', plugin: 'velero/velero-plugin-for-aws:v1.13.1' })]);
    expect(finding.status).toBe('fail');
    expect(finding.remediation).toMatch(/velero-plugin-for-aws:v1\.14\.0/);
  });

  it('fails untagged images, a missing plugin, and a node agent on another image', () => {
    expect(liveJudge([deployment({ server: 'velero/velero', plugin: 'velero/velero-plugin-for-aws:v1.14.0' })]).summary).toMatch(/no tag/);
    expect(liveJudge([deployment({ server: 'velero/velero:v1.18.1' })]).summary).toMatch(/no velero-plugin-for-aws init container/);
    const skew = liveJudge([deployment({ server: 'velero/velero:v1.18.1', plugin: 'velero/velero-plugin-for-aws:v1.14.0' }), daemonSet('velero/velero:v1.17.2')]);
    expect(skew.summary).toMatch(/node agent runs velero\/velero:v1\.17\.2/);
  });

  it('warns (does not fail) where the pairing cannot be checked', () => {
    const digest = liveJudge([deployment({ server: 'velero/velero@sha256:abc', plugin: 'velero/velero-plugin-for-aws:v1.14.0' })]);
    expect(digest.status).toBe('pass');
    expect(digest.warnings?.join(' ')).toMatch(/pairing cannot be checked/);
    const future = liveJudge([deployment({ server: 'velero/velero:v1.19.0', plugin: 'velero/velero-plugin-for-aws:v1.15.0' })]);
    expect(future.status).toBe('pass');
    expect(future.warnings?.join(' ')).toMatch(/lists no plugin line for Velero v1\.19/);
  });

  it('fails when Velero is not installed, skips when only its Deployment was not captured', () => {
    const empty = buildState([], { source: { target: 'cluster', description: 'test' }, namespace: 'velero' });
    expect(judgeImagePinning({ state: empty, plan: defaultPlan(), target: 'cluster', now: new Date() }).summary).toBe('Velero is not installed');
    const schedule = { apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: { name: 'velero-daily', namespace: 'velero' }, spec: { schedule: '0 3 * * *' } };
    const partial = buildState([schedule], { source: { target: 'snapshot', description: 'test' }, namespace: 'velero' });
    expect(judgeImagePinning({ state: partial, plan: defaultPlan(), target: 'snapshot', now: new Date() }).status).toBe('skip');
  });
});
