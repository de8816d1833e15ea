/**
 * A `velero debug` bundle (.tar.gz), streamed: members are found by glob, never by exact name,
 * because the capture timestamp is part of each name (docs/triage.md, "velero debug bundle"):
 *   velero-bundle/kubecapture/<group_version>/<ns>/<plural>-<timestamp>.json   a *List
 *   velero-bundle/kubecapture/core_v1/<ns>/<pod>/<container>/<container>.log  container logs
 *   velero-bundle/backup_describe_<b>.txt, restore_describe_<r>.txt            describe --details
 *   velero-bundle/backup_<b>.log, restore_<r>.log                              per-backup logs
 * A member that cannot be read (corrupt, `capture_local error: …` instead of output) is named
 * in the report; the rest of the bundle still counts. Logs are streamed line by line.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { quickLogKind } from './logs.ts';
import { redactSecrets } from '../redact.ts';
import type { EvidenceKind } from './types.ts';
import type { EvidenceRead, ReadInput } from './read.ts';

/** Members larger than this are not held in memory (JSON and describe files are small). */
const MAX_MEMBER_BYTES = 64 * 1024 * 1024;

type BundleMemberKind = 'objects' | 'describe' | 'log' | 'version' | 'other';

function bundleMemberKind(name: string): BundleMemberKind {
  if (/(^|\/)kubecapture\/[^/]+\/[^/]+\/[a-z0-9.]+-\d{8,}[\d.]*\.json$/.test(name)) return 'objects';
  if (/(^|\/)(backup|restore)_describe_[^/]+\.txt$/.test(name)) return 'describe';
  if (/\.log$/.test(name)) return 'log';
  if (/(^|\/)version\.txt$/.test(name)) return 'version';
  return 'other';
}

async function collect(stream: AsyncIterable<unknown> & { resume(): unknown }, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.resume();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function streamLogMember(stream: AsyncIterable<unknown>, source: string, read: EvidenceRead, kind: EvidenceKind): Promise<void> {
  const lines = createInterface({ input: Readable.from(stream), crlfDelay: Infinity });
  let number = 0;
  let count = 0;
  for await (const raw of lines) {
    number += 1;
    read.matcher.push({ text: raw, source, line: number });
    const record = quickLogKind(raw, count < 100);
    if (!record) {
      if (number === 1 && raw.startsWith('capture_local error:')) read.unread.push(`${source}: velero debug could not collect it (${redactSecrets(raw.slice(0, 200))})`);
      continue;
    }
    count += 1;
  }
  if (count > 0) {
    read.logs.push(/node-agent|restic/.test(source) ? 'nodeAgentLog' : /maintain|maintenance/.test(source) ? 'maintenanceLog' : kind);
    read.recognised.push({ reader: 'velero debug bundle: log', source, line: 1, count });
  }
}

export async function readBundle(file: string, source: string, read: EvidenceRead, input: ReadInput): Promise<void> {
  const { readTextContent } = await import('./read.ts');
  const tarExtract = tar.extract();
  const gunzip = createGunzip();
  let members = 0;
  let failure: string | undefined;
  const done = new Promise<void>((resolve) => {
    tarExtract.on('entry', (header, stream, next) => {
      members += 1;
      const name = header.name;
      const member = `${source}:${name}`;
      const kind = header.type === 'file' ? bundleMemberKind(name) : 'other';
      const finish = (error?: unknown) => {
        if (error) read.unread.push(`${member}: could not be read (${error instanceof Error ? error.message : String(error)})`);
        next();
      };
      if (kind === 'log') {
        const logKind: EvidenceKind = /(^|\/)backup_[^/]+\.log$/.test(name) ? 'backupLog' : /(^|\/)restore_[^/]+\.log$/.test(name) ? 'restoreLog' : 'serverLog';
        streamLogMember(stream, member, read, logKind).then(() => finish(), finish);
        return;
      }
      if (kind === 'objects' || kind === 'describe') {
        collect(stream, MAX_MEMBER_BYTES).then((buffer) => {
          if (!buffer) read.unread.push(`${member}: larger than ${MAX_MEMBER_BYTES / 1024 / 1024} MiB, not read`);
          else {
            const text = buffer.toString('utf8');
            if (text.startsWith('capture_local error:')) read.unread.push(`${member}: velero debug could not collect it (${redactSecrets(text.split('\n')[0].slice(0, 200))})`);
            else readTextContent(text, member, read, input);
          }
          finish();
        }, finish);
        return;
      }
      stream.on('end', () => next());
      stream.on('error', finish);
      stream.resume();
    });
    tarExtract.on('finish', () => resolve());
    tarExtract.on('error', (error: Error) => {
      failure = error.message;
      resolve();
    });
    gunzip.on('error', (error: Error) => {
      failure = `not a complete gzip stream (${error.message})`;
      tarExtract.destroy();
      resolve();
    });
  });
  const input$ = createReadStream(file);
  // A read error reaches neither gunzip nor tar: end the extraction with it, or `done` never settles.
  input$.on('error', (error) => tarExtract.destroy(error));
  input$.pipe(gunzip).pipe(tarExtract);
  await done;
  if (failure) read.unread.push(`${source}: the bundle is damaged after ${members} member(s): ${failure}; what was read before the damage is used`);
  if (members > 0) read.recognised.push({ reader: 'velero debug bundle', source, line: 1, count: members });
  else read.unread.push(`${source}: a gzip file that holds no tar members (expected a velero debug bundle)`);
}
