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
