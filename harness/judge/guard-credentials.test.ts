/**
 * guard.repository-password and guard.minio-root-credentials: required guardrails, so a Velero
 * whose backups anyone with bucket access can decrypt, or that holds MinIO's root keys, is
 * rejected (before, both were notes of the advisory beyond.repository and the run approved).
 */
import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { base64 } from '../../fixtures/snapshots/homelab/secrets.ts';
import { judgeMinioRootCredentials } from './guard-minio-root-credentials.ts';
import { judgeRepositoryPassword } from './guard-repository-password.ts';
import type { Judge } from './types.ts';

function judge(judgeFn: Judge, edit: (capture: Capture) => void = () => {}) {
  const capture = Capture.healthy();
  edit(capture);
  return judgeFn(contextOf(capture));
}

const removeSecret = (name: string) => (c: Capture) => c.remove((object) => object.kind === 'Secret' && object.metadata.name === name);

describe('guard.repository-password', () => {
  it('passes a repository password of its own', () => {
    const finding = judge(judgeRepositoryPassword);
    expect(finding).toMatchObject({ status: 'pass', summary: "The Kopia repository password is not Velero's default (Secret velero-repo-credentials)" });
  });

  it("fails Velero's default static-passw0rd as critical, saying what it means and what can still be done", () => {
    const finding = judge(judgeRepositoryPassword, (c) => (c.find('Secret', 'velero-repo-credentials').data['repository-password'] = base64('static-passw0rd')));
    expect(finding.status).toBe('fail');
    expect(finding.critical).toBe(true);
    expect(finding.summary).toBe("The Kopia repository password is Velero's default static-passw0rd (Secret velero-repo-credentials): anyone who can read the bucket can decrypt every backup");
    expect(finding.remediation).toMatch(/only before its first backup/);
    expect(JSON.stringify(finding)).not.toContain(base64('static-passw0rd'));
  });

  it('is not verified (skip) when the Secret is not in the input or Secrets could not be read', () => {
    expect(judge(judgeRepositoryPassword, removeSecret('velero-repo-credentials'))).toMatchObject({ status: 'skip', summary: expect.stringMatching(/^Secret velero-repo-credentials is not in the input/) });
    const context = contextOf(Capture.healthy());
    context.state.readGaps.push({ resource: 'secrets', verb: 'list', namespace: 'velero', reason: 'forbidden' });
    expect(judgeRepositoryPassword(context)).toMatchObject({ status: 'skip', summary: 'Secrets could not be read (list secrets in velero: forbidden): the Kopia repository password was not checked.' });
  });

  it('fails a Secret without the repository-password key', () => {
    const finding = judge(judgeRepositoryPassword, (c) => (c.find('Secret', 'velero-repo-credentials').data = { password: base64('x') }));
    expect(finding.summary).toBe('Secret velero-repo-credentials has no key repository-password: Velero cannot open its Kopia repositories');
  });
});

describe('guard.minio-root-credentials', () => {
  it('passes dedicated credentials, with the caveat that a renamed root user cannot be told apart', () => {
    const finding = judge(judgeMinioRootCredentials);
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toContain('Secret velero-s3-credentials, key cloud: not a well-known MinIO root key pair');
    expect(finding.warnings?.[0]).toMatch(/root user with a changed password/);
  });

  it.each([
    ['minioadmin', 'minioadmin'],
    ['minio', 'minio123'],
  ])("fails MinIO's root keys %s/%s as critical", (id, key) => {
    const finding = judge(judgeMinioRootCredentials, (c) => (c.find('Secret', 'velero-s3-credentials').data.cloud = base64(`[default]\naws_access_key_id=${id}\naws_secret_access_key=${key}\n`)));
    expect(finding.status).toBe('fail');
    expect(finding.critical).toBe(true);
    expect(finding.summary).toBe("Velero uses MinIO's well-known root credentials (Secret velero-s3-credentials key cloud)");
    expect(finding.remediation).toMatch(/dedicated MinIO user/);
  });

  it('is not verified (skip) without any credentials file in the input', () => {
    expect(judge(judgeMinioRootCredentials, removeSecret('velero-s3-credentials'))).toMatchObject({
      status: 'skip',
      summary: "No AWS credentials file was found in the Secrets of namespace velero (or only without its values): Velero's S3 credentials were not checked.",
    });
  });
});
