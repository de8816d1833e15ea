import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../state.ts';
import { summarizeCredentialsFile, summarizeSecret } from './secrets.ts';

const PLANTED = 'planted-secret-value-9f3c';

function secret(name: string, data: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'velero' },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
    ...extra,
  };
}

describe('summarizeSecret never keeps a value', () => {
  it('keeps key names and whether the cloud file has both keys', () => {
    const summary = summarizeSecret(secret('velero-s3-credentials', { cloud: `[default]\naws_access_key_id=AKIDEXAMPLE\naws_secret_access_key=${PLANTED}\n` }));
    expect(summary.keys).toEqual(['cloud']);
    expect(summary.credentialFiles?.cloud).toMatchObject({ parsed: true, hasAccessKeyId: true, hasSecretAccessKey: true, usesWellKnownDefaults: false });
    expect(JSON.stringify(summary)).not.toContain(PLANTED);
    expect(JSON.stringify(summary)).not.toContain(Buffer.from(PLANTED).toString('base64'));
  });

  it('notices a cloud file with one key missing or without a [default] profile', () => {
    expect(summarizeCredentialsFile('[default]\naws_access_key_id=AKID\n')).toMatchObject({ hasAccessKeyId: true, hasSecretAccessKey: false });
    expect(summarizeCredentialsFile('[velero]\naws_access_key_id=a\naws_secret_access_key=b\n').problem).toMatch(/no \[default\] profile/);
    expect(summarizeCredentialsFile('just text').parsed).toBe(false);
  });

  it('reads ; and # inside a value as the AWS SDK does: part of the secret, not a comment', () => {
    // An INI parser truncated "minioadmin;x" to "minioadmin" and reported MinIO's root keys.
    expect(summarizeCredentialsFile('[default]\naws_access_key_id=minioadmin\naws_secret_access_key=minioadmin;x\n').usesWellKnownDefaults).toBe(false);
    expect(summarizeCredentialsFile('[default]\naws_access_key_id=minioadmin\naws_secret_access_key=minioadmin ; a comment\n').usesWellKnownDefaults).toBe(true);
    expect(summarizeCredentialsFile('[default]\naws_access_key_id=AKID\naws_secret_access_key= #x\n')).toMatchObject({ hasSecretAccessKey: false });
  });

  it('flags MinIO default root credentials without keeping them', () => {
    const summary = summarizeCredentialsFile('[default]\naws_access_key_id=minioadmin\naws_secret_access_key=minioadmin\n');
    expect(summary.usesWellKnownDefaults).toBe(true);
  });

  it("flags Velero's default Kopia repository password (docs/velero-facts.md §8)", () => {
    expect(summarizeSecret(secret('velero-repo-credentials', { 'repository-password': 'static-passw0rd' })).repositoryPasswordIsDefault).toBe(true);
    expect(summarizeSecret(secret('velero-repo-credentials', { 'repository-password': PLANTED })).repositoryPasswordIsDefault).toBe(false);
  });

  it('reads SOPS-encrypted Secrets by key name only', () => {
    const summary = summarizeSecret(secret('velero-s3-credentials', { cloud: 'ENC[AES256_GCM,data:abc]' }, { sops: { mac: 'ENC[…]', version: '3.9.0' } }));
    expect(summary.sopsEncrypted).toBe(true);
    expect(summary.keys).toEqual(['cloud']);
    expect(summary.credentialFiles).toBeUndefined();
  });
});

describe('Secrets captured by scripts/capture.mjs', () => {
  it('take their facts from the capture annotation, not from the placeholders', () => {
    const captured = secret('velero-repo-credentials', { 'repository-password': 'REDACTED-BY-VELERO-VERIFY' }, {});
    captured.metadata.annotations = {
      'velero-verify.io/redacted': 'true',
      'velero-verify.io/captured-facts': JSON.stringify({ repositoryPasswordIsDefault: true }),
    };
    const summary = summarizeSecret(captured);
    expect(summary.repositoryPasswordIsDefault).toBe(true);
    expect(summary.keys).toEqual(['repository-password']);
  });

  it('keep only key names when the facts annotation is damaged', () => {
    const captured = secret('velero-s3-credentials', { cloud: '[default]\naws_access_key_id=REDACTED-BY-VELERO-VERIFY\n' });
    captured.metadata.annotations = { 'velero-verify.io/redacted': 'true', 'velero-verify.io/captured-facts': '{not json' };
    const summary = summarizeSecret(captured);
    expect(summary.credentialFiles).toBeUndefined();
    expect(summary.keys).toEqual(['cloud']);
  });
});
