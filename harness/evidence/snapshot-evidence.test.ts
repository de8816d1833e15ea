/**
 * `--snapshot` on partial and bad evidence: a partial paste never fails an item it does not
 * show; bad input gets a clear message (exit 2 when nothing could be read), never a stack
 * trace or a false PASS; logs and bundles are streamed.
 */
import { mkdtempSync, writeFileSync, createWriteStream, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { isAuditInputError } from '../errors.ts';
import { declaredBucketLifecycle, parsePlan } from '../plan.ts';
import { triage } from './triage.ts';

const STRANGER = parsePlan({ expect: false });
const HOMELAB = parsePlan({});

function file(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'vv-evidence-'));
  writeFileSync(join(dir, name), content);
  return join(dir, name);
}

async function inputError(path: string, options: { stdinText?: string } = {}): Promise<string> {
  try {
    await triage(path, STRANGER, options);
  } catch (error) {
    expect(isAuditInputError(error), String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected an input error');
}

const PARTIALLY_FAILED_BACKUP = `apiVersion: velero.io/v1
kind: Backup
metadata:
  name: nightly-20250301
  namespace: velero
spec:
  storageLocation: default
status:
  phase: PartiallyFailed
  errors: 2
  startTimestamp: "2025-03-01T03:00:12Z"
`;

describe('a partial paste is judged only on what it shows', () => {
  it('one PartiallyFailed Backup YAML with expect: false fails only the backup; the rest is "not shown"', async () => {
    const { findings, state } = await triage(file('backup.yaml', PARTIALLY_FAILED_BACKUP), STRANGER);
    expect(state.evidence?.mode).toBe('paste');
    const failed = [...findings.values()].filter((finding) => finding.status === 'fail');
    expect(failed.map((finding) => finding.id)).toEqual(['dod.manual-backup']);
    expect(failed[0].summary).toMatch(/nightly-20250301 is PartiallyFailed/);
    expect(failed[0].code).toBe('VV-BKP-002');
    expect(failed[0].quotes?.find((quote) => /phase: PartiallyFailed/.test(quote.text))).toMatchObject({ line: 9 });
    for (const id of ['dod.pods-running', 'dod.bsl-available', 'must.fsb-kopia', 'must.schedule', 'guard.k8s-secrets'] as const) {
      expect(findings.get(id)?.status, id).toBe('skip');
      expect(findings.get(id)?.summary, id).toMatch(/^Not shown in this evidence: this item reads /);
    }
  });

  it('the same backup with the homelab plan still fails nothing it does not show', async () => {
    const { findings } = await triage(file('backup.yaml', PARTIALLY_FAILED_BACKUP), HOMELAB);
    expect([...findings.values()].filter((finding) => finding.status === 'fail').map((finding) => finding.id)).toEqual(['dod.manual-backup']);
  });

  it('a restic DaemonSet counts as the node agent; restic PodVolumeBackups are judged on their own terms', async () => {
    const text = `$ kubectl -n velero get ds
NAME     DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE
restic   2         2         2       2            2           <none>          9d
$ velero backup describe b --details
Name:         b
Phase:  Completed
Restic Backups:
  Completed:
    app/db-0: data
`;
    const { findings } = await triage(file('paste.txt', text), STRANGER);
    expect(findings.get('must.fsb-kopia')).toMatchObject({ status: 'pass', summary: 'File-system backup is enabled: the restic DaemonSet exists and is ready on all 2 node(s); node-agent coverage per node is not shown (no pods in the input)' });
    expect(findings.get('beyond.volume-coverage')).toMatchObject({ status: 'pass', summary: 'All 1 PodVolumeBackup(s) shown are Completed' });
  });

  it('a table printed with its header and no rows proves absence', async () => {
    const { state } = await triage(file('paste.txt', '$ velero backup get\nNAME   STATUS   ERRORS   WARNINGS   CREATED   EXPIRES   STORAGE LOCATION   SELECTOR\n'), STRANGER);
    expect(state.evidence?.lookedFor).toContain('backups');
  });

  it('standard input is read like a file', async () => {
    const { findings } = await triage('-', STRANGER, { stdinText: 'Name:  r\nPhase:  Completed\nBackup:  b\nItems restored:  3\n' });
    expect(findings.get('beyond.restores-completed')).toMatchObject({ status: 'pass', summary: 'Restore r is Completed' });
  });

  it('a capture by scripts/capture.mjs records what it listed: kinds it did not list are not shown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vv-capture-'));
    writeFileSync(join(dir, 'velero.yaml'), `apiVersion: v1\nkind: List\nitems:\n- ${PARTIALLY_FAILED_BACKUP.replace(/\n/g, '\n  ').trimEnd()}\n`);
    writeFileSync(join(dir, 'capture-log.txt'), 'velero-verify capture, namespace velero\nvelero.yaml: 1 object(s)\nworkloads.yaml: kubectl get … failed: forbidden\n');
    const { state, findings } = await triage(dir, STRANGER);
    expect(state.evidence?.mode).toBe('capture');
    expect(findings.get('dod.pods-running')?.summary).toMatch(/^Not shown in this evidence/);
    // Listed and absent: a BSL that does not exist is a finding on a capture.
    expect(findings.get('dod.bsl-available')?.status).toBe('fail');
  });
});

describe('bad input: a clear message, never a stack trace or a false PASS', () => {
  it('an empty file, binary junk, text that is no evidence: exit 2 naming what was expected', async () => {
    expect(await inputError(file('a.txt', ''))).toMatch(/no Kubernetes objects found.*empty file.*Expected .*velero backup get/);
    expect(await inputError(file('a.bin', Buffer.from([0, 1, 2, 255, 254, 0, 7])))).toMatch(/not a text file/);
    expect(await inputError(file('a.txt', 'hello world\nnothing to see\n'))).toMatch(/nothing else recognised as Velero evidence/);
  });

  it('a YAML alias bomb is refused by document, quickly', async () => {
    const bomb = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: x}', 'a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(await inputError(file('bomb.yaml', `${bomb}\n`))).toMatch(/bomb\.yaml: invalid YAML\/JSON \(its aliases \(\*name\) expand to more than/);
  });

  it('a BSL YAML cut inside a string is not read, and never counts as Available', async () => {
    const cut = 'apiVersion: velero.io/v1\nkind: BackupStorageLocation\nmetadata: {name: default, namespace: velero}\nspec: {provider: aws}\nstatus:\n  message: "BackupStorageLocation \\"default\\" is unav';
    expect(await inputError(file('bsl.yaml', cut))).toMatch(/bsl\.yaml, line \d+, column \d+: invalid YAML/);
    // Next to a readable document: the cut one is named and the location is not shown.
    const { findings, state } = await triage(file('two.yaml', `${PARTIALLY_FAILED_BACKUP}---\n${cut}`), STRANGER);
    expect(state.evidence?.unread.join(' ')).toMatch(/two\.yaml, line \d+, column \d+: invalid YAML/);
    expect(findings.get('dod.bsl-available')?.status).not.toBe('pass');
    // Cut before its status: the phase cannot be read, so it is not Available.
    const noStatus = await triage(file('bsl.yaml', 'apiVersion: velero.io/v1\nkind: BackupStorageLocation\nmetadata: {name: default, namespace: velero}\nspec: {provider: aws, default: true}\n'), STRANGER);
    expect(noStatus.findings.get('dod.bsl-available')?.status).toBe('fail');
    expect(noStatus.findings.get('dod.bsl-available')?.summary).toMatch(/never been validated/);
  });

  it('a log larger than the in-memory limit is streamed; its failure lines still count', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vv-biglog-')), 'velero.log');
    const out = createWriteStream(path);
    const info = 'time="2025-03-01T03:00:00Z" level=info msg="Checking for existing backup storage locations to sync into cluster" controller=backup-sync logSource="pkg/controller/backup_sync_controller.go:123"\n';
    for (let i = 0; i < 60_000; i += 1) out.write(info);
    out.write('time="2025-03-01T03:00:01Z" level=error msg="Error getting a backup store" backup-storage-location=velero/default controller=backup-storage-location error="rpc error: code = Unknown desc = InvalidAccessKeyId: The Access Key Id you provided does not exist in our records.\\n\\tstatus code: 403"\n');
    await new Promise((resolve) => out.end(resolve));
    const { findings, state } = await triage(path, STRANGER);
    expect(state.evidence?.recognised[0]).toMatchObject({ reader: 'log lines (streamed)', count: 60_001 });
    expect(findings.get('dod.bsl-available')).toMatchObject({ status: 'fail' });
    expect(findings.get('beyond.credentials-valid')).toMatchObject({ status: 'fail', code: 'VV-BSL-001' });
    expect(findings.get('beyond.credentials-valid')?.quotes?.[0]).toMatchObject({ source: path, line: 60_001 });
  });
});

async function bundle(members: Array<[string, string]>, options: { cut?: number } = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vv-bundle-'));
  const path = join(dir, 'bundle-2025-03-01-10-00-00.tar.gz');
  const pack = tar.pack();
  for (const [name, content] of members) pack.entry({ name }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  const gzip = createGzip();
  pack.pipe(gzip);
  for await (const chunk of gzip) chunks.push(chunk as Buffer);
  const data = Buffer.concat(chunks);
  writeFileSync(path, options.cut ? data.subarray(0, options.cut) : data);
  return path;
}

describe('a velero debug bundle', () => {
  const backups = JSON.stringify({ apiVersion: 'velero.io/v1', kind: 'BackupList', items: [{ metadata: { name: 'b1', namespace: 'velero' }, spec: {}, status: { phase: 'Failed', failureReason: 'found a backup with status "InProgress" during the server starting, mark it as "Failed"' } }] });
  const members: Array<[string, string]> = [
    ['velero-bundle/version.txt', 'Client: v1.18.1\n'],
    ['velero-bundle/kubecapture/velero.io_v1/velero/backups-202503011000.0001.json', backups],
    ['velero-bundle/backup_describe_b1.txt', 'Name:  b1\nNamespace:  velero\nPhase:  Failed\n'],
    ['velero-bundle/kubecapture/core_v1/velero/node-agent-abcde/node-agent/node-agent.log', 'time="2025-03-01T03:00:00Z" level=info msg="Starting Velero node-agent server v1.18.1"\n'],
    ['velero-bundle/kubecapture/velero.io_v1/velero/schedules-202503011000.0001.json', 'capture_local error: exit status 1'],
  ];

  it('members are found by glob; objects, describe text and logs are read; a failed capture is named', async () => {
    const { state, findings } = await triage(await bundle(members), STRANGER);
    expect(state.objects.backups.map((backup) => backup.metadata.name)).toEqual(['b1']);
    expect(findings.get('dod.manual-backup')).toMatchObject({ status: 'fail', summary: '1 backup(s) shown did not complete: b1 is Failed' });
    expect(state.evidence?.unread.join(' ')).toMatch(/schedules-202503011000\.0001\.json: velero debug could not collect it/);
    expect(state.evidence?.shown).toContain('nodeAgentLog');
  });

  it('a bundle cut short: what was read before the damage counts, and the damage is named', async () => {
    const whole = await bundle([...members, ['velero-bundle/padding.txt', 'x'.repeat(200_000)]]);
    const { readFileSync } = await import('node:fs');
    const size = readFileSync(whole).length;
    const cut = await bundle([...members, ['velero-bundle/padding.txt', 'x'.repeat(200_000)]], { cut: Math.floor(size * 0.9) });
    const { state } = await triage(cut, STRANGER);
    expect(state.evidence?.unread.join(' ')).toMatch(/the bundle is damaged after \d+ member\(s\)/);
    expect(state.objects.backups).toHaveLength(1);
  });

  it('a gzip file that is not a bundle at all: exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vv-gz-'));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'junk.gz');
    writeFileSync(path, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
    expect(await inputError(path)).toMatch(/junk\.gz/);
  });
});

describe('expect: false assumes nothing of the homelab plan', () => {
  it('no declared "MinIO ILM is 14 days" unless the config gives one', () => {
    expect(declaredBucketLifecycle(STRANGER)).toEqual([]);
    expect(declaredBucketLifecycle(HOMELAB)).toEqual([{ prefix: '', expirationDays: 14 }]);
    expect(declaredBucketLifecycle(parsePlan({ expect: false, retention: { bucketLifecycle: [{ prefix: 'backups/', expirationDays: 30 }] } }))).toEqual([{ prefix: 'backups/', expirationDays: 30 }]);
  });

  it('a captured restic install: the restic DaemonSet is the node agent and restic PodVolumeBackups are not a failure', async () => {
    const { loadSnapshot, snapshotContext } = await import('../../fixtures/snapshots/load.ts');
    const { HEALTHY_SNAPSHOT } = await import('../../fixtures/snapshots/variants.ts');
    const { judgeItem } = await import('../judge/index.ts');
    const state = loadSnapshot(HEALTHY_SNAPSHOT.files);
    for (const ds of state.objects.daemonSets) if (ds.metadata.name === 'node-agent') ds.metadata.name = 'restic';
    for (const pod of state.objects.pods) for (const owner of pod.metadata.ownerReferences ?? []) if (owner.name === 'node-agent') owner.name = 'restic';
    for (const pvb of state.objects.podVolumeBackups) pvb.spec.uploaderType = 'restic';
    expect(judgeItem('must.fsb-kopia', snapshotContext(state, { plan: STRANGER })).status).toBe('pass');
    const homelab = judgeItem('must.fsb-kopia', snapshotContext(state, {}));
    expect(homelab.status).toBe('fail');
    expect(homelab.summary).toMatch(/used restic/);
  });
});

describe('the capture record', () => {
  it('names the kinds of every query scripts/capture.mjs runs', async () => {
    const { captureQueries } = await import('../../scripts/capture.ts');
    const { CAPTURE_FILE_KINDS } = await import('./read.ts');
    for (const query of captureQueries('velero')) {
      const resources = query.args[1].split(',');
      expect(CAPTURE_FILE_KINDS[query.file], query.file).toBeDefined();
      expect(CAPTURE_FILE_KINDS[query.file].length, `${query.file}: ${resources.join(',')}`).toBe(resources.length);
    }
  });
});
