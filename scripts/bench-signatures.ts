/**
 * Benchmark: what does matching failure signatures add to reading a log line by line? Writes a
 * synthetic Velero server log (healthy logfmt lines with a failure every few thousand lines) of
 * the given size to a temporary file, reads it with `readline` alone, then with every line pushed
 * through the incremental matcher (best of three each), and prints the ratio (machine-independent; the goal is ≤ 3).
 * Run: `npx tsx scripts/bench-signatures.ts [megabytes=200]`.
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createMatcher } from '../harness/triage/match.ts';

const megabytes = Number(process.argv[2] ?? 200);

const HEALTHY = [
  'time="2024-11-26T03:00:01Z" level=info msg="Backing up item" backup=velero/velero-daily-20241126030001 logSource="pkg/backup/item_backupper.go:179" name=web-0 namespace=app resource=pods',
  'time="2024-11-26T03:00:01Z" level=info msg="Executing custom action" backup=velero/velero-daily-20241126030001 logSource="pkg/backup/item_backupper.go:384" name=data-web-0 namespace=app resource=persistentvolumeclaims',
  'time="2024-11-26T03:00:02Z" level=debug msg="received EOF, stopping recv loop" backupLocation=velero/default cmd=/plugins/velero-plugin-for-aws controller=backup-sync err="rpc error: code = Unavailable desc = error reading from server: EOF" logSource="pkg/plugin/clientmgmt/process/logrus_adapter.go:75" pluginName=stdio',
  'time="2024-11-26T03:00:02Z" level=info msg="BackupStorageLocations is valid, marking as available" backup-storage-location=velero/default controller=backup-storage-location logSource="pkg/controller/backup_storage_location_controller.go:128"',
  'time="2024-11-26T03:00:03Z" level=info msg="Backed up 28 items out of an estimated total of 30 (estimate will change throughout the backup)" backup=velero/velero-daily-20241126030001 logSource="pkg/backup/backup.go:499" name=web-0 namespace=app progress= resource=pods',
  'time="2024-11-26T03:00:03Z" level=error msg="Error in syncHandler, re-adding item to queue" controller=restic-repo error="some transient error" logSource="pkg/controller/generic_controller.go:140"',
];
const FAILURES = [
  'time="2024-11-26T03:00:04Z" level=error msg="Current BackupStorageLocations available/unavailable/unknown: 0/1/0, BackupStorageLocation \\"default\\" is unavailable: rpc error: code = Unknown desc = operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: 1, HostID: 2, api error InvalidAccessKeyId: The Access Key Id you provided does not exist in our records.)"',
  'time="2024-11-26T03:00:05Z" level=warning msg="Volume data in pod app/cache-0 is a hostPath volume which is not supported for pod volume backup, skipping" backup=velero/velero-daily-20241126030001',
];

async function timeRead(path: string, onLine: (line: string, number: number) => void): Promise<number> {
  const start = performance.now();
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) onLine(line, ++number);
  return performance.now() - start;
}

const directory = mkdtempSync(join(tmpdir(), 'bench-signatures-'));
try {
  const path = join(directory, 'velero.log');
  const chunk: string[] = [];
  for (let i = 0; i < 5000; i++) chunk.push(i % 2500 === 0 ? FAILURES[(i / 2500) % FAILURES.length] : HEALTHY[i % HEALTHY.length]);
  const block = `${chunk.join('\n')}\n`;
  const copies = Math.max(1, Math.round((megabytes * 1024 * 1024) / Buffer.byteLength(block)));
  writeFileSync(path, block.repeat(copies));
  const size = (Buffer.byteLength(block) * copies) / 1024 / 1024;

  // The machine may be shared: alternate the two readings three times and keep each one's best.
  let count = 0;
  await timeRead(path, () => count++); // warm the page cache
  let plain = Infinity;
  let matched = Infinity;
  let matcher = createMatcher();
  for (let round = 0; round < 3; round++) {
    plain = Math.min(plain, await timeRead(path, () => count++));
    const current = createMatcher();
    matched = Math.min(matched, await timeRead(path, (text, line) => current.push({ text, source: 'velero.log', line })));
    matcher = current;
  }
  const results = matcher.results();
  console.log(`log: ${size.toFixed(0)} MB, ${(copies * chunk.length).toLocaleString('en')} lines; findings: ${results.map((match) => `${match.code}×${match.count}`).join(', ')}`);
  console.log(`readline alone ${plain.toFixed(0)} ms; with signatures ${matched.toFixed(0)} ms`);
  console.log(`readline + signatures / readline alone: ${(matched / plain).toFixed(2)} (goal ≤ 3)`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
