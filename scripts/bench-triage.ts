/**
 * Benchmark part of `npm run bench`: triage a generated Velero server log of
 * VELERO_VERIFY_BENCH_LOG_MB (default 200) megabytes through the snapshot target's reader (log
 * classification and every failure signature) and print its cost against reading the same file
 * line by line with `readline` (the goal is ≤ 3). The log is written to a temporary directory and
 * removed; it is never committed.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { readEvidence } from '../harness/evidence/read.ts';

// A day of a Velero server's log: healthy lines, the plugin EOF line that is not a failure, and a
// failure every few thousand lines (so the registry has something to find).
const LOG_LINES = [
  'time="2024-11-26T03:00:01Z" level=info msg="Backing up item" backup=velero/velero-daily-20241126030001 logSource="pkg/backup/item_backupper.go:179" name=web-0 namespace=app resource=pods',
  'time="2024-11-26T03:00:02Z" level=debug msg="received EOF, stopping recv loop" backupLocation=velero/default cmd=/plugins/velero-plugin-for-aws controller=backup-sync err="rpc error: code = Unavailable desc = error reading from server: EOF" logSource="pkg/plugin/clientmgmt/process/logrus_adapter.go:75" pluginName=stdio',
  'time="2024-11-26T03:00:02Z" level=info msg="BackupStorageLocations is valid, marking as available" backup-storage-location=velero/default controller=backup-storage-location logSource="pkg/controller/backup_storage_location_controller.go:128"',
  'time="2024-11-26T03:00:03Z" level=info msg="Backed up 28 items out of an estimated total of 30 (estimate will change throughout the backup)" backup=velero/velero-daily-20241126030001 logSource="pkg/backup/backup.go:499" name=web-0 namespace=app progress= resource=pods',
];
const LOG_FAILURE = 'time="2024-11-26T03:00:04Z" level=error msg="Current BackupStorageLocations available/unavailable/unknown: 0/1/0, BackupStorageLocation \\"default\\" is unavailable: rpc error: code = Unknown desc = operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: 1, HostID: 2, api error InvalidAccessKeyId: The Access Key Id you provided does not exist in our records.)"';

async function writeLog(path: string, megabytes: number): Promise<void> {
  const out = createWriteStream(path);
  const target = megabytes * 1024 * 1024;
  let written = 0;
  let index = 0;
  while (written < target) {
    const line = `${index % 5000 === 4999 ? LOG_FAILURE : LOG_LINES[index % LOG_LINES.length]}\n`;
    index += 1;
    written += line.length;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

async function readlineOnly(path: string): Promise<number> {
  const started = performance.now();
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })) count += line.length > 0 ? 1 : 0;
  if (count === 0) throw new Error('empty log');
  return performance.now() - started;
}

async function triageLog(path: string): Promise<number> {
  const started = performance.now();
  const read = await readEvidence(path, { namespace: 'velero' });
  if (!read.signatures.some((match) => match.code === 'VV-BSL-001')) throw new Error('the bench log\'s failure was not found');
  return performance.now() - started;
}

export async function benchLogTriage(): Promise<void> {
  const megabytes = Number(process.env.VELERO_VERIFY_BENCH_LOG_MB ?? 200);
  const dir = mkdtempSync(join(tmpdir(), 'velero-verify-bench-'));
  try {
    const path = join(dir, 'velero.log');
    await writeLog(path, megabytes);
    const plain: number[] = [];
    const triaged: number[] = [];
    for (let round = 0; round < 2; round++) {
      plain.push(await readlineOnly(path));
      triaged.push(await triageLog(path));
    }
    const ratio = Math.min(...triaged) / Math.min(...plain);
    console.log(`triage a ${megabytes} MB server log: ×${ratio.toFixed(2)} the time of reading it with readline (goal ≤ 3)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('bench-triage.ts')) await benchLogTriage();
