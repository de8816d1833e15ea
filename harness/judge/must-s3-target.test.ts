import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { judgeS3Target, normalizeUrl } from './must-s3-target.ts';

function withBsl(edit: (bsl: any) => void, plan?: Record<string, unknown>) {
  const capture = Capture.healthy();
  edit(capture.find('BackupStorageLocation', 'default'));
  return judgeS3Target(contextOf(capture, { plan }));
}

describe('must.s3-target', () => {
  it('shows each field expected vs observed', () => {
    const finding = withBsl(() => {});
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toContain('ok spec.objectStorage.bucket: expected homelab-backup-velero, observed "homelab-backup-velero"');
    expect(finding.evidence).toContain('ok spec.config.s3ForcePathStyle: expected "true", observed "true"');
  });

  it('fails on a wrong bucket, naming expected and observed and the Helm value', () => {
    const finding = withBsl((bsl) => (bsl.spec.objectStorage.bucket = 'other'));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('BackupStorageLocation default does not match the plan: spec.objectStorage.bucket is "other", expected homelab-backup-velero');
    expect(finding.remediation).toMatch(/bucket: homelab-backup-velero/);
  });

  it('accepts equivalent spellings: velero.io/aws, a trailing slash, ParseBool truthy values', () => {
    const finding = withBsl((bsl) => {
      bsl.spec.provider = 'velero.io/aws';
      bsl.spec.config.s3Url = 'HTTP://10.10.10.209:9000/';
      bsl.spec.config.s3ForcePathStyle = 'True';
    });
    expect(finding.status).toBe('pass');
    expect(normalizeUrl('http://MinIO.local:9000/')).toBe('http://minio.local:9000');
  });

  it('fails when path style is off or spelled in a way the AWS plugin does not read as true', () => {
    expect(withBsl((bsl) => delete bsl.spec.config.s3ForcePathStyle).status).toBe('fail');
    expect(withBsl((bsl) => (bsl.spec.config.s3ForcePathStyle = 'yes')).status).toBe('fail');
  });

  it('fails on a prefix the plan does not have, and on a different region', () => {
    expect(withBsl((bsl) => (bsl.spec.objectStorage.prefix = 'cluster-a')).summary).toMatch(/spec.objectStorage.prefix is "cluster-a", expected \(none\)/);
    expect(withBsl((bsl) => (bsl.spec.config.region = 'us-east-1')).summary).toMatch(/spec.config.region is "us-east-1", expected minio/);
    expect(withBsl((bsl) => (bsl.spec.objectStorage.prefix = '/velero/'), { storage: { prefix: 'velero' } }).status).toBe('pass');
  });

  it('switches plan values off one by one, keeping the generic checks', () => {
    const otherBucket = (bsl: any) => (bsl.spec.objectStorage.bucket = 'other');
    expect(withBsl(otherBucket, { expect: { bucket: false } }).status).toBe('pass');
    expect(withBsl((bsl) => { otherBucket(bsl); bsl.spec.config.s3Url = 'http://10.0.0.1:9000'; }, { expect: { bucket: false } }).status).toBe('fail');
    const everythingElse = withBsl((bsl) => { otherBucket(bsl); bsl.spec.provider = 'gcp'; bsl.spec.config = {}; }, { expect: false });
    expect(everythingElse.status).toBe('pass');
    expect(everythingElse.expected).not.toMatch(/homelab-backup-velero/);
  });

  it('always requires the default location, writable, with a provider', () => {
    expect(withBsl((bsl) => (bsl.spec.default = false), { expect: false }).summary).toMatch(/spec.default is false/);
    expect(withBsl((bsl) => (bsl.spec.accessMode = 'ReadOnly'), { expect: false }).summary).toMatch(/spec.accessMode is "ReadOnly"/);
    expect(withBsl((bsl) => (bsl.spec.provider = ''), { expect: false }).summary).toMatch(/spec.provider is \(unset\)/);
  });

  it('requires a region with path-style addressing (AWS plugin, docs/velero-facts.md §6) when the plan does not pin one', () => {
    const finding = withBsl((bsl) => delete bsl.spec.config.region, { expect: { region: false } });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/region \(required with path style\)/);
  });

  it('reports which location is the default when the plan\'s is not', () => {
    const capture = Capture.healthy();
    capture.find('BackupStorageLocation', 'default').spec.default = false;
    const other = structuredClone(capture.find('BackupStorageLocation', 'default'));
    other.metadata.name = 'offsite';
    other.spec.default = true;
    capture.add(other);
    expect(judgeS3Target(contextOf(capture)).evidence.join('\n')).toMatch(/observed false \(default is "offsite"\)/);
  });

  it('fails with the Helm snippet when no location exists', () => {
    const finding = judgeS3Target(contextOf(Capture.healthy().remove((object) => object.kind === 'BackupStorageLocation')));
    expect(finding.status).toBe('fail');
    expect(finding.remediation).toMatch(/s3Url: "http:\/\/10.10.10.209:9000"/);
  });
});
