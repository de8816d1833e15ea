import { afterAll, describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { findDoc, judgeRendered, removeRenderedDirs } from '../../fixtures/manifests/one-change.ts';
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
    const notDefault = Capture.healthy();
    notDefault.find('BackupStorageLocation', 'default').spec.default = false;
    notDefault.find('Deployment', 'velero').spec.template.spec.containers[0].args.push('--default-backup-storage-location=offsite');
    expect(judgeS3Target(contextOf(notDefault, { plan: { expect: false } })).summary).toMatch(/spec.default is false \(the server's --default-backup-storage-location is "offsite"\)/);
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

afterAll(removeRenderedDirs);

const bslOf = (docs: any[]) => findDoc(docs, 'BackupStorageLocation', 'default');

describe('must.s3-target on the objects alone (rendered manifests, or the same objects as a snapshot)', () => {
  it('passes the good rendering on both targets with the same summary', () => {
    const manifests = judgeRendered('must.s3-target', () => {});
    const snapshot = judgeRendered('must.s3-target', () => {}, {}, 'snapshot');
    expect(manifests.status).toBe('pass');
    expect(manifests.summary).toBe('BackupStorageLocation default points at http://10.10.10.209:9000 bucket homelab-backup-velero');
    expect(snapshot.summary).toBe(manifests.summary);
    expect(snapshot.evidence).toEqual(manifests.evidence);
  });

  it('fails a boolean s3ForcePathStyle (the CRD wants strings) and says why', () => {
    const finding = judgeRendered('must.s3-target', (docs) => (bslOf(docs).spec.config.s3ForcePathStyle = true));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/spec\.config\.s3ForcePathStyle is a YAML boolean: BSL config is a map of strings and the API server rejects it/);
    // The real CRD says so too (a fact only a manifests input carries).
    expect(finding.summary).toMatch(/the Velero CRD rejects BackupStorageLocation velero\/default/);
    const snapshot = judgeRendered('must.s3-target', (docs) => (bslOf(docs).spec.config.s3ForcePathStyle = true), {}, 'snapshot');
    expect(snapshot.status).toBe('fail');
    expect(snapshot.summary).toMatch(/YAML boolean/);
  });

  // Resolved disagreement: the cluster judge required spec.default: true; the manifests gate knew
  // Velero's fallback to the location named by --default-backup-storage-location. Velero's rule
  // now holds on every target (docs/velero-facts.md "The default backup storage location").
  it.each(['manifests', 'snapshot'] as const)('a location named like the server\'s default location is the default without the mark (%s)', (target) => {
    const unmarked = judgeRendered('must.s3-target', (docs) => delete bslOf(docs).spec.default, {}, target);
    expect(unmarked.status).toBe('pass');
    expect(unmarked.evidence.join('\n')).toMatch(/ok spec\.default: .* not marked default, but named "default" like the server's --default-backup-storage-location and no other location is marked default/);
    const otherDefault = judgeRendered(
      'must.s3-target',
      (docs) => {
        delete bslOf(docs).spec.default;
        findDoc(docs, 'Deployment', 'velero').spec.template.spec.containers[0].args.push('--default-backup-storage-location=offsite');
      },
      {},
      target,
    );
    expect(otherDefault.status).toBe('fail');
    expect(otherDefault.summary).toMatch(/spec\.default is \(unset\) \(the server's --default-backup-storage-location is "offsite"\)/);
  });

  it('fails a ReadOnly location', () => {
    const finding = judgeRendered('must.s3-target', (docs) => (bslOf(docs).spec.accessMode = 'ReadOnly'));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/spec\.accessMode is "ReadOnly"/);
  });

  it('compares URLs by meaning and honours switched-off expectations', () => {
    expect(normalizeUrl('HTTP://10.10.10.209:9000/')).toBe(normalizeUrl('http://10.10.10.209:9000'));
    const other = (docs: any[]) => {
      const bsl = bslOf(docs);
      bsl.spec.objectStorage.bucket = 'someone-else';
      bsl.spec.config.s3Url = 'http://192.168.1.5:9000/';
      bsl.spec.config.region = 'us-east-1';
    };
    const planned = judgeRendered('must.s3-target', other);
    expect(planned.status).toBe('fail');
    expect(planned.summary).toMatch(/spec\.config\.s3Url is "http:\/\/192\.168\.1\.5:9000\/", expected http:\/\/10\.10\.10\.209:9000; spec\.objectStorage\.bucket is "someone-else"/);
    expect(judgeRendered('must.s3-target', other, { expect: { bucket: false, s3Url: false, region: false } }).status).toBe('pass');
    const stranger = judgeRendered('must.s3-target', other, { expect: false });
    expect(stranger.status).toBe('pass');
    expect(stranger.evidence).toContain('Storage location default: provider aws, bucket someone-else, endpoint http://192.168.1.5:9000/');
  });

  it('fails when no BackupStorageLocation exists', () => {
    const finding = judgeRendered('must.s3-target', (docs) => docs.splice(docs.indexOf(bslOf(docs)), 1));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('No BackupStorageLocation "default" (and none marked default) in namespace velero');
    expect(finding.remediation).toMatch(/configuration\.backupStorageLocation: \[\{name: default, provider: aws/);
  });

  it.each(['manifests', 'snapshot'] as const)('fails a VolumeSnapshotLocation with an empty provider (%s)', (target) => {
    const finding = judgeRendered(
      'must.s3-target',
      (docs) => docs.push({ apiVersion: 'velero.io/v1', kind: 'VolumeSnapshotLocation', metadata: { name: 'default', namespace: 'velero' }, spec: { provider: '' } }),
      {},
      target,
    );
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('The storage locations are misconfigured: VolumeSnapshotLocation velero/default has an empty provider');
    expect(finding.remediation).toMatch(/snapshotsEnabled: false/);
  });
});
