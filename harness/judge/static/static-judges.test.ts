/**
 * Edge cases of the static judges, each on the good homelab rendering with one change
 * (the one-rule-per-variant matrix lives in fixtures/manifests/manifests-fixtures.test.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { GOOD_FIXTURE } from '../../../fixtures/manifests/variants.ts';
import type { ItemId } from '../../catalog.ts';
import { collectManifests, readManifestFile } from '../../collect/manifests.ts';
import { parsePlan, type BackupPlanInput } from '../../plan.ts';
import { judgeItem } from '../index.ts';
import type { Finding } from '../types.ts';

const GOOD_PLAN: BackupPlanInput = { retention: { bucketLifecycle: [] } };

function goodDocs(): any[] {
  return ['velero.yaml', 'velero-config.yaml'].flatMap((file) => readManifestFile(join(GOOD_FIXTURE.path, file)));
}

function find(docs: any[], kind: string, name: string): any {
  return docs.find((doc) => doc.kind === kind && doc.metadata.name === name);
}

function judge(id: ItemId, mutate: (docs: any[]) => void, options: { plan?: BackupPlanInput; repo?: boolean } = {}): Finding {
  const docs = goodDocs();
  mutate(docs);
  const dir = mkdtempSync(join(tmpdir(), 'vv-static-'));
  writeFileSync(join(dir, 'all.yaml'), docs.map((doc) => `---\n${stringify(doc)}`).join(''));
  const plan = parsePlan({ ...GOOD_PLAN, ...(options.plan ?? {}) });
  const state = collectManifests({ paths: [dir], repoDir: options.repo ? GOOD_FIXTURE.repoDir : undefined, plan });
  return judgeItem(id, { state, plan, target: 'manifests', now: new Date('2026-11-25T12:00:00Z') });
}

const noChange = () => {};

describe('guard.k8s-secrets (manifests)', () => {
  it('passes a BSL that names the plan\'s Secret in spec.credential', () => {
    const finding = judge('guard.k8s-secrets', (docs) => {
      find(docs, 'BackupStorageLocation', 'default').spec.credential = { name: 'velero-s3-credentials', key: 'cloud' };
    });
    expect(finding.status).toBe('pass');
    expect(finding.evidence.join(' ')).toMatch(/spec.credential velero-s3-credentials\/cloud/);
  });

  it('fails credentials from another Secret, and a node agent without credentials', () => {
    const other = judge('guard.k8s-secrets', (docs) => {
      for (const kind of ['Deployment', 'DaemonSet']) {
        const doc = docs.find((d) => d.kind === kind);
        doc.spec.template.spec.volumes.find((v: any) => v.name === 'cloud-credentials').secret.secretName = 'minio-root';
      }
    });
    expect(other.summary).toMatch(/Secret minio-root key cloud, the plan says Secret velero-s3-credentials/);
    const agent = judge('guard.k8s-secrets', (docs) => {
      const container = find(docs, 'DaemonSet', 'node-agent').spec.template.spec.containers[0];
      container.env = container.env.filter((e: any) => e.name !== 'AWS_SHARED_CREDENTIALS_FILE');
    });
    expect(agent.summary).toMatch(/node-agent DaemonSet mounts no credentials Secret/);
  });

  it('fails literal AWS keys in env as critical without printing them', () => {
    const finding = judge('guard.k8s-secrets', (docs) => {
      find(docs, 'Deployment', 'velero').spec.template.spec.containers[0].env.push({ name: 'AWS_SECRET_ACCESS_KEY', value: 'FIXTURE-LITERAL-SECRET' });
    });
    expect(finding.status).toBe('fail');
    expect(finding.critical).toBe(true);
    expect(JSON.stringify(finding)).not.toContain('FIXTURE-LITERAL-SECRET');
  });

  it('fails a SOPS Secret without the cloud key', () => {
    const finding = judge('guard.k8s-secrets', (docs) => {
      const secret = find(docs, 'Secret', 'velero-s3-credentials');
      secret.stringData = { credentials: secret.stringData.cloud };
    });
    expect(finding.summary).toMatch(/has no key cloud/);
  });

  it('warns without --repo, checks the repository with it', () => {
    expect(judge('guard.k8s-secrets', noChange).warnings?.join(' ')).toMatch(/Without --repo/);
    const withRepo = judge('guard.k8s-secrets', noChange, { repo: true });
    expect(withRepo.status).toBe('pass');
    expect(withRepo.evidence.join('\n')).toMatch(/minio_velero_access_key_id present/);
    const missingKey = judge('guard.k8s-secrets', noChange, { repo: true, plan: { credentials: { sourceKeys: { accessKeyId: 'minio_backup_key' } } } });
    expect(missingKey.summary).toMatch(/lacks minio_backup_key/);
  });
});

describe('guard.lan-only (manifests)', () => {
  it('fails a public publicUrl and an aws location without s3Url', () => {
    expect(judge('guard.lan-only', (docs) => (find(docs, 'BackupStorageLocation', 'default').spec.config.publicUrl = 'https://backups.example.com')).summary).toMatch(/publicUrl/);
    expect(judge('guard.lan-only', (docs) => delete find(docs, 'BackupStorageLocation', 'default').spec.config.s3Url).summary).toMatch(/AWS S3/);
  });

  it('passes a private publicUrl and fails an Ingress to MinIO', () => {
    expect(judge('guard.lan-only', (docs) => (find(docs, 'BackupStorageLocation', 'default').spec.config.publicUrl = 'http://minio.home.arpa:9000')).status).toBe('pass');
    const ingress = judge('guard.lan-only', (docs) =>
      docs.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'minio-console', namespace: 'minio' },
        spec: { rules: [{ host: 'minio.lan', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'minio', port: { number: 9001 } } } }] } }] },
      }),
    );
    expect(ingress.status).toBe('fail');
    expect(ingress.critical).toBe(true);
  });
});
