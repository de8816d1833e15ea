/**
 * deploy/rbac/*.yaml is the least privilege the audit needs: a read-only audit and a drill run
 * against the loopback API double that enforces exactly those rules (403 for anything else), and
 * still judge everything. The label rule the ValidatingAdmissionPolicy adds (create/delete only
 * labelled objects) is checked on the mutations the double recorded.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCluster, testPlan, unlabelledMutations, type FakeCluster } from '../../fixtures/doubles/fake-kube-setup.ts';
import { rbacAuthorizer } from '../../fixtures/doubles/fake-rbac.ts';
import { judgeItem } from '../judge/index.ts';
import { REPO_ROOT } from '../schema/reference.ts';
import { KubeClient } from '../kube/client.ts';
import { loadKubeTarget } from '../kube/config.ts';
import { KubeApiError } from '../kube/errors.ts';
import { cleanupLeftovers, runClusterAudit } from './cluster.ts';

const READ_ONLY = join(REPO_ROOT, 'deploy', 'rbac', 'read-only.yaml');
const DRILL = join(REPO_ROOT, 'deploy', 'rbac', 'drill.yaml');
const SUBJECT = { kind: 'ServiceAccount' as const, name: 'velero-verify', namespace: 'velero' };

let cluster: FakeCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function auditWith(files: string[], readOnly: boolean, keep = false) {
  cluster = await startFakeCluster({ healthyInstall: true });
  cluster.kube.authorize = rbacAuthorizer(files, SUBJECT);
  const runId = `rbac${Math.random().toString(36).slice(2, 6)}`;
  const result = await runClusterAudit({
    plan: testPlan({ storage: { s3Url: cluster.s3!.endpoint } }),
    kubeconfig: cluster.kubeconfigPath,
    readOnly,
    keep,
    runId,
    onProgress: () => undefined,
    signals: new EventEmitter(),
    pollMs: 25,
    env: {},
    client: { retry: { baseDelayMs: 5, maxDelayMs: 20 } },
  });
  const forbidden = cluster.kube.requests.filter((request) => request.status === 403).map((request) => `${request.verb} ${request.path}`);
  return { ...result, runId, forbidden };
}

/** The status a direct request as the audit account gets (through the harness's own client, so TLS and auth match). */
async function status(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string): Promise<number> {
  const client = new KubeClient(loadKubeTarget({ kubeconfig: cluster!.kubeconfigPath, env: {} }).kubeConfig, { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  try {
    await client.request({ method, path, body: method === 'POST' || method === 'PATCH' ? {} : undefined, contentType: method === 'PATCH' ? 'application/merge-patch+json' : undefined, describe: { verb: method.toLowerCase(), resource: path } });
    return 200;
  } catch (error) {
    return error instanceof KubeApiError ? error.status : -1;
  } finally {
    client.close();
  }
}

describe('deploy/rbac: the least privilege the audit needs', () => {
  it('read-only.yaml: a --read-only audit reads everything it judges and is refused nothing', async () => {
    const { state, drill, forbidden } = await auditWith([READ_ONLY], true);
    expect(forbidden).toEqual([]);
    expect(state.readGaps).toEqual([]);
    expect(drill).toBeUndefined();
    for (const id of ['guard.k8s-secrets', 'guard.repository-password', 'guard.minio-root-credentials', 'beyond.volume-coverage', 'dod.pods-running'] as const) {
      expect(judgeItem(id, { state, plan: testPlan(), target: 'cluster', now: new Date(state.capturedAt!) }).status, id).toBe('pass');
    }
    // Nothing beyond the rules: listing Secrets (every value in the namespace), another Secret, any write.
    expect(await status('GET', '/api/v1/namespaces/velero/secrets')).toBe(403);
    expect(await status('GET', '/api/v1/namespaces/velero/secrets/sh.helm.release.v1.velero.v1')).toBe(403);
    expect(await status('POST', '/api/v1/namespaces')).toBe(403);
    expect(await status('DELETE', '/apis/velero.io/v1/namespaces/velero/backups/verification-test')).toBe(403);
    expect(cluster!.kube.mutations.filter((m) => m.status < 300)).toEqual([]);
  });

  it('read-only.yaml + drill.yaml: the drill passes, cleans up, and creates or deletes only labelled objects', async () => {
    const { drill, forbidden, runId } = await auditWith([READ_ONLY, DRILL], false);
    expect(forbidden).toEqual([]);
    expect(drill).toMatchObject({ status: 'passed', cleanup: { status: 'done' } });
    expect(unlabelledMutations(cluster!.kube.mutations, runId)).toEqual([]);
    // Still nothing beyond the rules: Velero's own objects elsewhere, Secrets, other repositories.
    expect(await status('DELETE', '/apis/velero.io/v1/namespaces/velero/schedules/velero-daily')).toBe(403);
    expect(await status('PATCH', '/apis/velero.io/v1/namespaces/velero/backuprepositories/shop-default-kopia')).toBe(403);
    expect(await status('POST', '/api/v1/namespaces/velero/secrets')).toBe(403);
  });

  it('read-only.yaml + drill.yaml: --cleanup removes what a --keep run left', async () => {
    const { runId } = await auditWith([READ_ONLY, DRILL], false, true);
    const { deleted, problems } = await cleanupLeftovers({ plan: testPlan({ storage: { s3Url: cluster!.s3!.endpoint } }), kubeconfig: cluster!.kubeconfigPath, env: {}, pollMs: 25 });
    expect(problems).toEqual([]);
    expect(deleted).toEqual(expect.arrayContaining(['Namespace velero-verify-canary', `Namespace velero-verify-restored-${runId}`]));
    expect(cluster!.kube.requests.filter((request) => request.status === 403).map((request) => `${request.verb} ${request.path}`)).toEqual([]);
    expect(unlabelledMutations(cluster!.kube.mutations)).toEqual([]);
  });

  it('without drill.yaml the drill is refused at its first write (403), never half-done', async () => {
    const { drill, forbidden } = await auditWith([READ_ONLY], false);
    expect(forbidden.length).toBeGreaterThan(0);
    expect(drill?.status).toBe('failed');
    expect(cluster!.kube.mutations.filter((m) => m.status < 300)).toEqual([]);
  });

  it('drill.yaml limits creates and deletes to labelled objects with an admission policy for the audit account', () => {
    const objects = parseAllDocuments(readFileSync(DRILL, 'utf8')).map((document) => document.toJS());
    const policy = objects.find((object) => object.kind === 'ValidatingAdmissionPolicy');
    expect(policy.spec.matchConditions[0].expression).toContain('system:serviceaccount:velero:velero-verify');
    expect(policy.spec.validations[0].expression).toMatch(/oldObject\.metadata\.labels\[\?'app\.kubernetes\.io\/managed-by'\][\s\S]*object\.metadata\.labels\[\?'app\.kubernetes\.io\/managed-by'\]/);
    expect(objects.find((object) => object.kind === 'ValidatingAdmissionPolicyBinding').spec).toEqual({ policyName: policy.metadata.name, validationActions: ['Deny'] });
  });
});
