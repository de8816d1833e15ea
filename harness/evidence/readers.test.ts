/**
 * Each reader on the outputs Velero and kubectl print (headers from pkg/cmd/util/output/*_printer.go
 * across releases, describe text in the shape of Velero's golden *_describer_test.go outputs),
 * and on the mess real pastes carry: prompts, fences, ANSI colours, CRLF, tabs, wrapped rows.
 */
import { describe, expect, it } from 'vitest';
import { crdProblems, isVeleroKind } from '../schema/crds.ts';
import type { KubeObject } from '../state.ts';
import { readDescribe } from './describe.ts';
import { parseLogLine } from './logs.ts';
import { readTables } from './tables.ts';
import { cleanText, segments } from './text.ts';

const context = { source: 'paste.txt', namespace: 'velero' };

function tables(text: string) {
  const output = segments(cleanText(text)).map((segment) => readTables(segment, context));
  return { objects: output.flatMap((o) => o.objects.map((read) => read.object)), lookedFor: output.flatMap((o) => o.lookedFor), recognised: output.flatMap((o) => o.recognised) };
}

function described(text: string) {
  return segments(cleanText(text)).flatMap((segment) => readDescribe(segment, context).objects.map((read) => read.object));
}

/** Every field a reader fills validates against the v1.18.1 CRDs; fields the output does not print (a PVB's node, repoIdentifier) stay absent. */
function expectValidVeleroObjects(objects: KubeObject[]) {
  for (const object of objects.filter(isVeleroKind)) {
    expect(crdProblems(object).filter((problem) => !/must have required property/.test(problem)), `${object.kind} ${object.metadata.name}`).toEqual([]);
  }
}

describe('velero backup get', () => {
  it('reads 1.14–1.17 and 1.18 (QUEUE POSITION) layouts by header: phase, errors, warnings, start, location', () => {
    const v117 = tables(`NAME        STATUS            ERRORS   WARNINGS   CREATED                         EXPIRES   STORAGE LOCATION   SELECTOR
nightly-1   PartiallyFailed   2        1          2025-03-01 03:00:12 +0100 CET   29d       default            <none>
manual      Completed         0        0          2025-03-02 10:00:00 +0000 UTC   30d       default            app=db
`);
    const v118 = tables(`NAME        STATUS     ERRORS   WARNINGS   CREATED                         EXPIRES   STORAGE LOCATION   QUEUE POSITION   SELECTOR
queued-1    Queued     0        0          <nil>                           30d       default            3                <none>
`);
    const [nightly, manual] = v117.objects;
    expect(nightly.status).toEqual({ phase: 'PartiallyFailed', errors: 2, warnings: 1, startTimestamp: '2025-03-01T02:00:12.000Z' });
    expect(nightly.spec).toEqual({ storageLocation: 'default' });
    expect(manual.status?.phase).toBe('Completed');
    expect(v118.objects[0].status).toEqual({ phase: 'Queued', errors: 0, warnings: 0 });
    expectValidVeleroObjects([...v117.objects, ...v118.objects]);
  });

  it('reads an old release without ERRORS/WARNINGS, an empty STORAGE LOCATION cell, and a misindented header', () => {
    const old = tables(`		    NAME                           STATUS       CREATED                          EXPIRES   STORAGE LOCATION   SELECTOR
	  daily-20210728170444    InProgress   2021-07-28 19:05:36 +0200 CEST   6d        default            <none>
`);
    expect(old.objects[0].metadata.name).toBe('daily-20210728170444');
    expect(old.objects[0].status).toEqual({ phase: 'InProgress', startTimestamp: '2021-07-28T17:05:36.000Z' });
    const gap = tables(`NAME   STATUS   ERRORS   WARNINGS   CREATED   EXPIRES   STORAGE LOCATION   SELECTOR
test   New      0        0          <nil>     29d                          <none>
`);
    expect(gap.objects[0].status).toEqual({ phase: 'New', errors: 0, warnings: 0 });
    expect(gap.objects[0].spec).toEqual({});
  });

  it('a header without rows proves there is none; a names-only kubectl table shows no state', () => {
    const empty = tables('$ velero backup get\nNAME   STATUS   ERRORS   WARNINGS   CREATED   EXPIRES   STORAGE LOCATION   SELECTOR\n');
    expect(empty.objects).toEqual([]);
    expect(empty.lookedFor).toEqual(['backups']);
    const namesOnly = tables('[root]# oc get backups.velero.io -A\nNAMESPACE    NAME         AGE\nmcs-backup   backuptest   65m\n');
    expect(namesOnly.objects).toEqual([]);
    expect(namesOnly.lookedFor).toEqual([]);
    expect(namesOnly.recognised[0].reader).toMatch(/names only/);
  });
});

describe('backup-location, schedule and restore tables', () => {
  it('velero backup-location get: Unknown is not Available', () => {
    const { objects } = tables(`NAME      PROVIDER   BUCKET/PREFIX          PHASE         LAST VALIDATED                  ACCESS MODE   DEFAULT
default   aws        velero-backups/prod    Available     2025-03-02 10:00:00 +0000 UTC   ReadWrite     true
spare     aws        spare                  Unknown       Unknown                         ReadWrite
`);
    expect(objects[0].status).toEqual({ phase: 'Available' });
    expect(objects[0].spec).toEqual({ provider: 'aws', objectStorage: { bucket: 'velero-backups', prefix: 'prod' }, default: true, accessMode: 'ReadWrite' });
    expect(objects[1].status).toEqual({});
    expectValidVeleroObjects(objects);
  });

  it('kubectl get backupstoragelocations and velero schedule get / restore get', () => {
    expect(tables('NAMESPACE    NAME       PHASE       LAST VALIDATED   AGE   DEFAULT\nvelero   internal   Unavailable   22s   71m   true\n').objects[0].status).toEqual({ phase: 'Unavailable' });
    const schedule = tables(`NAME    STATUS    CREATED                          SCHEDULE    BACKUP TTL   LAST BACKUP   SELECTOR   PAUSED
daily   Enabled   2025-01-01 00:00:00 +0000 UTC   0 3 * * *   336h0m0s     5h ago        <none>     true
`).objects[0];
    expect(schedule.spec).toEqual({ schedule: '0 3 * * *', template: { ttl: '336h0m0s' }, paused: true });
    expect(schedule.status).toEqual({ phase: 'Enabled' });
    const restore = tables(`NAME        BACKUP   STATUS            STARTED                         COMPLETED                       ERRORS   WARNINGS   CREATED                         SELECTOR
r-1         b-1      PartiallyFailed   2025-03-02 10:00:00 +0000 UTC   2025-03-02 10:01:00 +0000 UTC   3        0          2025-03-02 10:00:00 +0000 UTC   <none>
`).objects[0];
    expect(restore.spec).toEqual({ backupName: 'b-1' });
    expect(restore.status).toMatchObject({ phase: 'PartiallyFailed', errors: 3 });
    expectValidVeleroObjects([schedule, restore]);
  });
});

describe('kubectl get pods / ds / deploy / podvolumebackups', () => {
  it('pods (also -o wide and `get all` prefixes): a waiting reason is not Running-and-ready', () => {
    const { objects } = tables(`NAME                          READY   STATUS                  RESTARTS      AGE   IP           NODE
pod/velero-57cfdf6bc5-8m9ts   0/1     Init:CrashLoopBackOff   4 (61s ago)   2m    10.0.0.5     n1
pod/node-agent-7pzxg          1/1     Running                 0             3m    10.0.0.6     n1
velero-repo-maintain-job-1    0/1     Completed               0             1h    <none>       n2
`);
    expect(objects.map((pod) => [pod.metadata.name, pod.status?.phase, pod.metadata.labels?.name])).toEqual([
      ['velero-57cfdf6bc5-8m9ts', 'Pending', 'velero'],
      ['node-agent-7pzxg', 'Running', 'node-agent'],
      ['velero-repo-maintain-job-1', 'Succeeded', undefined],
    ]);
    expect(objects[1].spec).toEqual({ nodeName: 'n1' });
  });

  it('daemonsets and deployments', () => {
    const ds = tables('NAME     DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE\nrestic   3         3         2       3            2           <none>          5d\n').objects[0];
    expect(ds).toMatchObject({ kind: 'DaemonSet', metadata: { name: 'restic' }, status: { desiredNumberScheduled: 3, numberReady: 2, numberAvailable: 2 } });
    const deploy = tables('NAME     READY   UP-TO-DATE   AVAILABLE   AGE\nvelero   0/1     1            0           5d\n').objects[0];
    expect(deploy).toMatchObject({ kind: 'Deployment', spec: { replicas: 1 }, status: { availableReplicas: 0 } });
  });

  it('podvolumebackups ≤ 1.16 and ≥ 1.17 columns', () => {
    const old = tables('NAME           STATUS      CREATED   NAMESPACE   POD     VOLUME   UPLOADER TYPE   STORAGE LOCATION   AGE\nb-1-abcde      Failed      1h        app         db-0    data     kopia           default            1h\n').objects[0];
    expect(old).toMatchObject({ kind: 'PodVolumeBackup', spec: { pod: { name: 'db-0', namespace: 'app' }, volume: 'data', uploaderType: 'kopia' }, status: { phase: 'Failed' } });
    const v117 = tables('$ kubectl -n velero get podvolumebackups\nNAME        STATUS      STARTED   BYTES DONE   TOTAL BYTES   STORAGE LOCATION   AGE   NODE   UPLOADER\nb-2-fghij   Completed   5m        1024         1024          default            5m    n1     kopia\n').objects[0];
    expect(v117).toMatchObject({ kind: 'PodVolumeBackup', spec: { uploaderType: 'kopia' }, status: { phase: 'Completed', node: 'n1' } });
    expectValidVeleroObjects([old, v117]);
  });
});

describe('velero describe', () => {
  const backupDescribe = `\x1b[1mName:\x1b[0m         nightly-20250301\r
Namespace:    velero\r
Labels:       velero.io/schedule-name=nightly\r
              velero.io/storage-location=default\r
Annotations:  <none>\r
\r
Phase:  \x1b[33mPartiallyFailed\x1b[0m (run \`velero backup logs nightly-20250301\` for more information)\r
\r
Errors:    1\r
Warnings:  <error getting warnings: Get "https://minio:9000/velero/backups/x/x-results.gz?X-Amz-Signature=abcdef123456": dial tcp: lookup minio: no such host>\r
\r
Storage Location:  default\r
TTL:  720h0m0s\r
Started:    2025-03-01 03:00:12 +0100 CET\r
Completed:  2025-03-01 03:04:40 +0100 CET\r
Expiration:  2025-03-31 03:00:12 +0100 CET\r
Total items to be backed up:  120\r
Items backed up:              120\r
\r
Pod Volume Backups - kopia:\r
  Completed:\r
    app/db-0: data, wal\r
  Failed:\r
    app/web-1: cache\r
`;

  it('backup describe --details: phase, counts, labels, times, and the per-volume lists as PodVolumeBackups (ANSI and CRLF removed)', () => {
    const objects = described(backupDescribe);
    const backup = objects.find((object) => object.kind === 'Backup')!;
    expect(backup.metadata).toMatchObject({ name: 'nightly-20250301', labels: { 'velero.io/schedule-name': 'nightly', 'velero.io/storage-location': 'default' } });
    expect(backup.status).toMatchObject({ phase: 'PartiallyFailed', errors: 1, startTimestamp: '2025-03-01T02:00:12.000Z', progress: { totalItems: 120, itemsBackedUp: 120 } });
    // `<error getting warnings: …>` is the CLI failing to download: no warning count is invented.
    expect(backup.status?.warnings).toBeUndefined();
    const volumes = objects.filter((object) => object.kind === 'PodVolumeBackup');
    expect(volumes.map((pvb) => `${pvb.spec.pod.name}/${pvb.spec.volume}=${pvb.status.phase}:${pvb.spec.uploaderType}`)).toEqual(['db-0/data=Completed:kopia', 'db-0/wal=Completed:kopia', 'web-1/cache=Failed:kopia']);
    expectValidVeleroObjects(objects);
  });

  it('restic lists of old releases, and a restore describe', () => {
    const restic = described('Name:  b\nPhase:  InProgress\nRestic Backups:\n  New:\n    ns/p: v\n').filter((o) => o.kind === 'PodVolumeBackup');
    expect(restic[0]).toMatchObject({ spec: { uploaderType: 'restic' }, status: { phase: 'New' } });
    const [restore] = described('Name:         r\nNamespace:    velero\nPhase:                       PartiallyFailed (run \'velero restore logs r\' for more information)\nTotal items to be restored:  8\nItems restored:              8\n\nBackup:  b\n');
    expect(restore).toMatchObject({ kind: 'Restore', spec: { backupName: 'b' }, status: { phase: 'PartiallyFailed', progress: { totalItems: 8, itemsRestored: 8 } } });
  });

  it('kubectl describe of a BSL: only Available and Unavailable count as phases', () => {
    const [bsl] = described('Name:  default\nKind:  BackupStorageLocation\nSpec:\n  Provider:  aws\nStatus:\n  Message:  BackupStorageLocation "default" is unavailable: x\n  Phase:    Unavailable\n');
    expect(bsl).toMatchObject({ kind: 'BackupStorageLocation', status: { phase: 'Unavailable', message: 'BackupStorageLocation "default" is unavailable: x' } });
    const [unknown] = described('Name:  default\nKind:  BackupStorageLocation\nStatus:\n  Phase:    Unknown\n');
    expect(unknown.status?.phase).toBeUndefined();
  });
});

describe('text cleaning and logs', () => {
  it('recognises prompts and fences, strips bold and inline code marks', () => {
    const lines = cleanText('```bash\n[root@host dir]# velero backup get\n**Phase:  Completed**\nuser@box:~$ kubectl -n velero get pods\n`An error occurred: x`\n```');
    expect(lines.filter((line) => line.command).map((line) => line.command)).toEqual(['velero backup get', 'kubectl -n velero get pods']);
    expect(lines.map((line) => line.text)).toContain('Phase:  Completed');
    expect(lines.map((line) => line.text)).toContain('An error occurred: x');
  });

  it('parses logfmt, JSON lines and the fatal startup line; no level means no record', () => {
    expect(parseLogLine('time="2024-01-01T00:00:00Z" level=error msg="pod volume backup failed: x" backup=velero/b logSource="pkg/podvolume/backupper.go:1"')).toMatchObject({ level: 'error', message: 'pod volume backup failed: x', kind: 'backupLog' });
    expect(parseLogLine('{"level":"warning","msg":"Found too many index blobs","logSource":"pkg/kopia/kopia_log.go:101"}')).toMatchObject({ level: 'warning', kind: 'maintenanceLog' });
    expect(parseLogLine('An error occurred: some backup storage locations are invalid')).toMatchObject({ level: 'fatal', kind: 'serverLog' });
    expect(parseLogLine('NAME   STATUS')).toBeUndefined();
  });
});
