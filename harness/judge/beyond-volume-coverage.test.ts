import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { APP_NS, MANUAL_BACKUP, SCHEDULED_BACKUPS } from '../../fixtures/snapshots/homelab/constants.ts';
import { PAPERLESS_POD, pvName } from '../../fixtures/snapshots/homelab/paperless.ts';
import type { TargetKind } from '../catalog.ts';
import { triage } from '../evidence/triage.ts';
import { parsePlan } from '../plan.ts';
import { judgeVolumeCoverage } from './beyond-volume-coverage.ts';

const NEWEST_SCHEDULED = SCHEDULED_BACKUPS[1];
const PAPERLESS = { podPrefix: 'paperless-ngx-' };

function judge(edit: (capture: Capture) => void, target: TargetKind = 'snapshot') {
  const capture = Capture.healthy();
  edit(capture);
  return judgeVolumeCoverage({ ...contextOf(capture), target });
}

function hostPathData(capture: Capture): void {
  const pv = capture.find('PersistentVolume', pvName('paperless-data'));
  delete pv.spec.local;
  pv.spec.hostPath = { path: '/var/lib/rancher/k3s/storage/data', type: 'DirectoryOrCreate' };
  capture.remove((object) => object.kind === 'PodVolumeBackup' && object.spec.volume === 'data' && object.spec.pod.namespace === APP_NS);
}

describe('beyond.volume-coverage', () => {
  it('passes when every in-scope volume of the manual and the newest scheduled backup has one Completed PVB', () => {
    const finding = judge(() => {});
    expect(finding.status).toBe('pass');
    // 2 app volumes × 2 backups: Velero's own pods' emptyDir volumes (plugins, scratch) are not
    // judged since they hold no user data (the count was 12 with them); the rule is in the evidence.
    expect(finding.summary).toBe('Every in-scope pod volume has a Completed PodVolumeBackup (4 checked across 2 backup(s))');
    expect(finding.evidence).toContain("Velero's own pods (the velero Deployment and the node-agent DaemonSet) are not judged: their volumes are emptyDir scratch space and node hostPath mounts that hold no user data.");
  });

  it('calls out a PVC on a hostPath PV as silently skipped, naming PVC, PV and the fix', () => {
    const finding = judge(hostPathData);
    expect(finding.status).toBe('fail');
    expect(finding.summary).toContain(`volume data (PVC paperless-data, PV ${pvName('paperless-data')}) is silently skipped by Velero`);
    expect(finding.summary).toContain(`(backups ${MANUAL_BACKUP}, ${NEWEST_SCHEDULED})`);
    expect(finding.remediation).toMatch(/volumeType: local/);
  });

  it('fails on a Failed PVB with its message, and on a missing one', () => {
    const failed = judge((c) => {
      const pvb = c.pvbs(MANUAL_BACKUP, { volume: 'media' })[0];
      pvb.status = { phase: 'Failed', message: 'data path backup failed:\nno space left' };
    });
    expect(failed.status).toBe('fail');
    expect(failed.summary).toMatch(/Failed: data path backup failed: no space left \(backup verification-test\)/);
    const missing = judge((c) => c.remove((object) => object === c.pvbs(NEWEST_SCHEDULED, { volume: 'media' })[0]));
    expect(missing.summary).toMatch(new RegExp(`no PodVolumeBackup for paperless/${PAPERLESS_POD} volume media .*\\(backup ${NEWEST_SCHEDULED}\\)`));
  });

  it('fails on duplicates and on unfinished PVBs', () => {
    const duplicate = judge((c) => {
      const copy = structuredClone(c.pvbs(MANUAL_BACKUP, { volume: 'data' })[0]);
      copy.metadata.name = `${MANUAL_BACKUP}-dupe1`;
      c.add(copy);
    });
    expect(duplicate.summary).toMatch(/2 Completed PodVolumeBackups for .* expected exactly one/);
    const running = judge((c) => (c.pvbs(MANUAL_BACKUP, { volume: 'data' })[0].status = { phase: 'InProgress' }));
    expect(running.summary).toMatch(/has not completed \(verification-test-\w+=InProgress\)/);
  });

  it('finds PVBs whose backup-name label was hashed (names > 63 chars) by spec.tags.backup', () => {
    const finding = judge((c) => {
      for (const pvb of c.pvbs(MANUAL_BACKUP)) pvb.metadata.labels['velero.io/backup-name'] = 'hashed-label-value';
    });
    expect(finding.status).toBe('pass');
  });

  it('honours opt-out annotations and excluded namespaces', () => {
    const optOut = judge((c) => {
      c.find('Pod', PAPERLESS_POD).metadata.annotations = { 'backup.velero.io/backup-volumes-excludes': 'media' };
      c.remove((object) => object.kind === 'PodVolumeBackup' && object.spec.volume === 'media');
    });
    expect(optOut.status).toBe('pass');
    const excluded = judge((c) => {
      c.backup(MANUAL_BACKUP).spec.excludedNamespaces = [APP_NS];
      for (const pvb of c.pvbs(MANUAL_BACKUP, PAPERLESS)) c.remove((object) => object === pvb);
    });
    expect(excluded.status).toBe('pass');
  });

  it('with defaultVolumesToFsBackup false only opted-in volumes count; none marked while PVCs exist fails', () => {
    const optIn = (annotated: boolean) => (c: Capture) => {
      for (const backup of [MANUAL_BACKUP, NEWEST_SCHEDULED]) {
        c.backup(backup).spec.defaultVolumesToFsBackup = false;
        c.backup(backup).spec.includedNamespaces = [APP_NS];
      }
      if (annotated) c.find('Pod', PAPERLESS_POD).metadata.annotations = { 'backup.velero.io/backup-volumes': 'data,media' };
      else c.remove((object) => object.kind === 'PodVolumeBackup');
    };
    expect(judge(optIn(true)).status).toBe('pass');
    const unmarked = judge(optIn(false));
    expect(unmarked.status).toBe('fail');
    expect(unmarked.summary).toMatch(/0 PodVolumeBackups while 2 PVC volume\(s\) exist in its namespaces and none is marked/);
  });

  it('counts Completed PodVolumeBackups of pods deleted since the backup as evidence, not as warnings', () => {
    // On a live cluster every pod is listed: a pod that is gone is gone (offline, see "not shown" below).
    const finding = judge((c) => {
      c.remove((object) => object.kind === 'Pod' && object.metadata.name === PAPERLESS_POD);
    }, 'cluster');
    expect(finding.status).toBe('pass');
    expect(finding.evidence.join('\n')).toMatch(new RegExp(`paperless/${PAPERLESS_POD} volume data, Completed\\) belongs to a pod that no longer runs`));
    expect(finding.warnings ?? []).toEqual([]);
  });

  it('passes with a note when nothing in the backup\'s scope needs a file-system backup', () => {
    const finding = judge((c) => {
      for (const backup of [MANUAL_BACKUP, NEWEST_SCHEDULED]) c.backup(backup).spec.includedNamespaces = ['kube-system'];
      // A backup of kube-system has no PodVolumeBackups of the app's volumes.
      c.remove((object) => object.kind === 'PodVolumeBackup' && [MANUAL_BACKUP, NEWEST_SCHEDULED].includes(object.metadata.labels?.['velero.io/backup-name']));
    });
    expect(finding.status).toBe('pass');
    expect(finding.summary).toMatch(/nothing to cover/);
    expect(finding.warnings?.join('\n')).toMatch(/no pod volume in its scope needs a file-system backup/);
  });

  it('ignores pods created after the backup started and pods that are not running', () => {
    const finding = judge((c) => {
      const late = structuredClone(c.find('Pod', PAPERLESS_POD));
      late.metadata.name = 'paperless-ngx-late-pod';
      late.metadata.creationTimestamp = '2026-06-15T10:15:00Z';
      const pending = structuredClone(c.find('Pod', PAPERLESS_POD));
      pending.metadata.name = 'paperless-ngx-pending-pod';
      pending.status.phase = 'Pending';
      c.add(late, pending);
    });
    expect(finding.status).toBe('pass');
  });

  it('fails when there is no backup to judge', () => {
    const finding = judge((c) => c.remove((object) => object.kind === 'Backup'));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/No backup to judge volume coverage/);
  });
});

describe('beyond.volume-coverage without pods in the input', () => {
  it('is not verified (skip) rather than a vacuous pass', () => {
    const finding = judge((c) => c.remove((object) => object.kind === 'Pod'));
    expect(finding.status).toBe('skip');
    expect(finding.summary).toMatch(/Pods are missing from the input/);
  });

  it('does not call an in-progress backup "volume data is missing": it is judged once it has finished', () => {
    const inProgress = (c: Capture) => {
      const backup = c.find('Backup', MANUAL_BACKUP);
      backup.status = { phase: 'InProgress', startTimestamp: backup.status.startTimestamp };
      for (const pvb of c.pvbs(MANUAL_BACKUP)) pvb.status = { phase: 'InProgress' };
    };
    const finding = judge(inProgress);
    expect(finding.status).toBe('pass');
    expect(finding.summary).toMatch(/across 1 backup\(s\)/);
    expect(JSON.stringify(finding)).toContain(`Backup ${MANUAL_BACKUP} (manual) is InProgress: its volume coverage is judged once it has finished.`);
    const onlyRunning = judge((c) => {
      inProgress(c);
      c.remove((object) => object.kind === 'Backup' && object.metadata.name !== MANUAL_BACKUP);
    });
    expect(onlyRunning.status).toBe('skip');
    expect(onlyRunning.summary).toBe(`Volume coverage is not verified: Backup ${MANUAL_BACKUP} (manual) is InProgress: its volume coverage is judged once it has finished.`);
  });

  it('fails a namespace with PVC volumes that no Schedule selects, though every backup covers its own scope', () => {
    // Before, a Schedule of only `velero` passed: each scheduled backup covered its own narrow scope.
    const finding = judge((c) => {
      c.find('Schedule', 'velero-daily').spec.template.includedNamespaces = ['velero'];
      c.backup(NEWEST_SCHEDULED).spec.includedNamespaces = ['velero'];
      c.remove((object) => object.kind === 'PodVolumeBackup' && object.metadata.labels?.['velero.io/backup-name'] === NEWEST_SCHEDULED && object.spec.pod.namespace === APP_NS);
    });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe(
      `Volume data is missing from backups: namespace paperless is in no scheduled backup: ${PAPERLESS_POD} volume data (PVC paperless-data); ${PAPERLESS_POD} volume media (PVC paperless-media) (backup schedules velero-daily)`,
    );
    expect(finding.remediation).toMatch(/includedNamespaces/);
  });

  it("a Schedule's label selector leaves out unlabelled pods; the exclude-from-backup label is a choice", () => {
    const selected = (c: Capture) => (c.find('Schedule', 'velero-daily').spec.template.labelSelector = { matchLabels: { backup: 'yes' } });
    expect(judge(selected).summary).toMatch(/namespace paperless is in no scheduled backup/);
    const excluded = judge((c) => {
      selected(c);
      c.find('Pod', PAPERLESS_POD).metadata.labels['velero.io/exclude-from-backup'] = 'true';
    });
    expect(excluded.summary).not.toMatch(/in no scheduled backup/);
  });

  it('says "not shown" for namespaces whose pods were not captured (kubectl get pods -n velero), never "nothing to cover"', () => {
    // The README's old recipe captured pods of the velero namespace only: a hostPath PV that
    // Velero skipped in the app namespace was approved.
    const finding = judge((c) => {
      hostPathData(c);
      c.remove((object) => object.kind === 'Pod' && object.metadata.namespace === APP_NS);
    });
    expect(finding.status).toBe('skip');
    expect(finding.summary).toBe('Volume coverage is not shown for namespace(s) paperless: the input holds their PVCs, PVs or PodVolumeBackups but not their pods.');
  });
});

// A paste lists the PodVolumeBackups a describe --details printed, and pods only if a table shows
// some: which volumes had to be backed up is not shown, so the PodVolumeBackups shown are judged.
describe('beyond.volume-coverage on pasted evidence', () => {
  async function pasted(text: string) {
    const dir = mkdtempSync(join(tmpdir(), 'vv-coverage-'));
    writeFileSync(join(dir, 'paste.txt'), text);
    const { findings, state } = await triage(join(dir, 'paste.txt'), parsePlan({ expect: false }));
    expect(state.evidence?.mode).toBe('paste');
    return findings.get('beyond.volume-coverage')!;
  }
  const describeDetails = (lists: string) => `$ velero backup describe nightly --details\nName:         nightly\nNamespace:    velero\nPhase:  Completed\n\nPod Volume Backups - kopia:\n${lists}`;

  it('passes when every PodVolumeBackup shown is Completed, warning that skipped volumes are not judged', async () => {
    const finding = await pasted(describeDetails('  Completed:\n    app/db-0: data, wal\n'));
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('All 2 PodVolumeBackup(s) shown are Completed');
    expect(finding.evidence).toEqual(['PodVolumeBackup app/db-0: data (kopia): Completed', 'PodVolumeBackup app/db-0: wal (kopia): Completed']);
    expect(finding.warnings).toEqual(['Which volumes should have been backed up is not shown (no pods): volumes Velero skipped are not judged here.']);
  });

  it('fails the PodVolumeBackups shown that did not complete, naming pod, volume and phase', async () => {
    const finding = await pasted(describeDetails('  Completed:\n    app/db-0: data\n  Failed:\n    app/web-1: cache\n'));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('1 PodVolumeBackup(s) did not complete: app/web-1: cache is Failed');
    expect(finding.remediation).toMatch(/^Read the node-agent log on the pod's node/);
  });

  it('a pods table next to the PodVolumeBackups does not make the pods listed in full: no volume is called missing', async () => {
    const pods = '$ kubectl get pods -n app\nNAME    READY   STATUS    RESTARTS   AGE\ndb-0    1/1     Running   0          3d\nweb-1   1/1     Running   0          3d\n';
    const finding = await pasted(`${pods}${describeDetails('  Completed:\n    app/db-0: data\n')}`);
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('All 1 PodVolumeBackup(s) shown are Completed');
  });

  it('a PodVolumeBackup table printed with no rows shows none: not shown, never "Velero is not installed"', async () => {
    const finding = await pasted('$ kubectl -n velero get podvolumebackups\nNAME   STATUS   STARTED   BYTES DONE   TOTAL BYTES   STORAGE LOCATION   AGE   NODE   UPLOADER\n');
    expect(finding.status).toBe('skip');
    expect(finding.summary).toBe('Not shown in this evidence: no PodVolumeBackup is shown.');
  });
});
