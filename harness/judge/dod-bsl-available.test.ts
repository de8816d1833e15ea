import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { before } from '../../fixtures/snapshots/homelab/metadata.ts';
import { judgeBslAvailable, validationWindow } from './dod-bsl-available.ts';

function withBsl(edit: (bsl: any) => void) {
  const capture = Capture.healthy();
  edit(capture.find('BackupStorageLocation', 'default'));
  return judgeBslAvailable(contextOf(capture));
}

describe('dod.bsl-available', () => {
  it('passes when Available and validated seconds ago, without warnings', () => {
    const finding = withBsl(() => {});
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('BackupStorageLocation default is Available (validated 31s ago)');
    expect(finding.warnings).toBeUndefined();
  });

  it('fails on Unavailable and shows status.message on one line', () => {
    const finding = withBsl((bsl) => Object.assign(bsl.status, { phase: 'Unavailable', message: 'rpc error:\n  NoSuchBucket' }));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('BackupStorageLocation default is Unavailable: rpc error: NoSuchBucket');
    expect(finding.remediation).toMatch(/only Velero's directories/);
  });

  it('fails on an empty phase (the CLI shows "Unknown"): never validated', () => {
    const finding = withBsl((bsl) => delete bsl.status);
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/never been validated.*Unknown/);
    expect(finding.evidence[1]).toMatch(/lastValidationTime=\(never\)/);
  });

  it('passes with a "suspicious" warning when the last validation is 10m–1h old', () => {
    const finding = withBsl((bsl) => (bsl.status.lastValidationTime = before(25 * 60)));
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.[0]).toMatch(/^Suspicious: the last validation was 25m ago/);
  });

  it('fails when the last validation is older than 1h', () => {
    const finding = withBsl((bsl) => (bsl.status.lastValidationTime = before(61 * 60)));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/1h ago \(stale beyond 1h\)/);
  });

  it('scales the windows with spec.validationFrequency', () => {
    expect(validationWindow({ apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'x' }, spec: { validationFrequency: '30m' } })).toMatchObject({
      suspiciousAfterMs: 60 * 60_000,
      staleAfterMs: 90 * 60_000,
    });
    const finding = withBsl((bsl) => {
      bsl.spec.validationFrequency = '30m';
      bsl.status.lastValidationTime = before(50 * 60);
    });
    expect(finding.status).toBe('pass');
    expect(finding.warnings).toBeUndefined();
  });

  it('warns when validation is disabled (validationFrequency 0)', () => {
    const finding = withBsl((bsl) => {
      bsl.spec.validationFrequency = '0';
      bsl.status.lastValidationTime = before(5 * 3600);
    });
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.[0]).toMatch(/Validation is disabled/);
  });

  it('falls back to the default location when none has the plan\'s name, and says so', () => {
    const capture = Capture.healthy();
    capture.find('BackupStorageLocation', 'default').metadata.name = 'minio';
    const finding = judgeBslAvailable(contextOf(capture));
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.[0]).toMatch(/No BackupStorageLocation is named "default".*"minio"/);
  });

  it('fails when there is no location at all', () => {
    const capture = Capture.healthy().remove((object) => object.kind === 'BackupStorageLocation');
    const finding = judgeBslAvailable(contextOf(capture));
    expect(finding.status).toBe('fail');
    expect(finding.remediation).toMatch(/configuration.backupStorageLocation/);
  });

  it('warns about a ReadOnly location', () => {
    const finding = withBsl((bsl) => (bsl.spec.accessMode = 'ReadOnly'));
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.join(' ')).toMatch(/ReadOnly/);
  });
});

describe('dod.bsl-available on someone else\'s cluster', () => {
  it('with the storage expectations off, judges the default location whatever its name', () => {
    const capture = Capture.healthy();
    const old = structuredClone(capture.find('BackupStorageLocation', 'default'));
    capture.find('BackupStorageLocation', 'default').metadata.name = 'minio';
    old.spec.default = false;
    old.status = { phase: 'Unavailable', message: 'bucket gone' };
    capture.add(old);
    expect(judgeBslAvailable(contextOf(capture)).status).toBe('fail');
    const generic = judgeBslAvailable(contextOf(capture, { plan: { expect: false } }));
    expect(generic.status).toBe('pass');
    expect(generic.evidence[0]).toMatch(/^BackupStorageLocation minio \(marked spec.default: true/);
  });
});
