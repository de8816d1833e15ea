/**
 * One entry, any evidence: read a file, a directory or standard input by sniffing content,
 * never the file name — kubectl objects, Velero CLI tables, describe text, logs, transcripts
 * mixing them, `velero debug` bundles (bundle.ts). Returns the objects with their provenance,
 * the lines the signature registry reads, and what could not be read.
 */
import { createReadStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { readDescribe } from './describe.ts';
import { parseLogLine, quickLogKind } from './logs.ts';
import { flattenLists, isKubeObject } from '../collect/objects.ts';
import { filesUnder, parseObjectText } from '../collect/read-objects.ts';
import { looksLikeObjects, parseObjects } from './objects.ts';
import { readTables } from './tables.ts';
import { cleanText, segments } from './text.ts';
import { createMatcher } from '../triage/match.ts';
import type { Matcher, SignatureMatch } from '../triage/match/types.ts';
import { matchObjectFile } from '../triage/object-file.ts';
import { emptyOutput, mergeOutputs, type EvidenceKind, type ReaderOutput } from './types.ts';

/** Files larger than this are streamed line by line as logs (memory stays bounded). */
const STREAM_THRESHOLD_BYTES = 8 * 1024 * 1024;

export interface ReadInput {
  namespace: string;
}

export interface EvidenceRead extends ReaderOutput {
  files: string[];
  /** What could not be read, with the reason (file, line). */
  unread: string[];
  /** Files that held only kubectl objects (a capture), as opposed to pasted text. */
  objectFiles: string[];
  textFiles: string[];
  /** Kinds scripts/capture.mjs recorded as listed (capture-log.txt). */
  captureKinds?: EvidenceKind[];
  /** Every line read is pushed through the failure-signature registry (harness/triage/match.ts). */
  matcher: Matcher;
  /** The matcher's results, once reading is done. */
  signatures: SignatureMatch[];
}

function newRead(): EvidenceRead {
  return { ...emptyOutput(), files: [], unread: [], objectFiles: [], textFiles: [], matcher: createMatcher(), signatures: [] };
}

/**
 * Offer the lines of a text to the signature registry (it keeps only what matches). A whole
 * kubectl JSON/YAML file offers only what can match (matchObjectFile): most of a large capture cannot.
 */
function matchText(read: EvidenceRead, text: string, source: string): void {
  let line = 0;
  for (const raw of text.split(/\r?\n|\r/)) {
    line += 1;
    read.matcher.push({ text: raw, source, line });
  }
}

function looksBinary(buffer: Buffer): boolean {
  const sample = buffer.subarray(0, 8192);
  if (sample.includes(0)) return true;
  const text = sample.toString('utf8');
  const replacements = (text.match(/\uFFFD/g) ?? []).length;
  return replacements > 0 && replacements / Math.max(text.length, 1) > 0.01;
}

/** Read pasted text (everything but whole object files). */
function readText(text: string, source: string, input: ReadInput): ReaderOutput {
  const output = emptyOutput();
  const lines = cleanText(text);
  let describeIndex = 0;
  for (const segment of segments(lines)) {
    mergeOutputs(output, readTables(segment, { source, namespace: input.namespace }));
    const described = readDescribe(segment, { source, namespace: input.namespace }, describeIndex);
    describeIndex += described.recognised.length;
    mergeOutputs(output, described);
    // YAML pasted between other outputs (fenced or not): parse the run of lines from `apiVersion:`/`status:`.
    mergeOutputs(output, readEmbeddedYaml(segment.lines, source));
  }
  let logCount = 0;
  let firstLogLine = 0;
  const logKinds = new Set<EvidenceKind>();
  for (const line of lines) {
    const text = line.text.trim();
    if (!text) continue;
    const record = parseLogLine(text);
    if (record) {
      logCount += 1;
      firstLogLine ||= line.line;
      logKinds.add(record.kind);
    }
  }
  // Lines that are evidence without being a table, a describe or a log: a command's error output
  // (`Error: INSTALLATION FAILED: …`), a pasted status field (`phase: FailedValidation`).
  const errorOutput = lines.find((line) => /^(Error|error): \S/.test(line.text.trim()) || /^\s*\* \S+\.velero\.io "[^"]+" is invalid:/.test(line.text));
  if (errorOutput) output.recognised.push({ reader: 'command error output', source, line: errorOutput.line, count: 0 });
  // Kubernetes events (the Events: section of `kubectl describe`, or `kubectl get events`): the
  // failure signatures read them, e.g. a DaemonSet whose pods Pod Security admission refuses.
  const eventRow = lines.find((line) => /^\s*(Normal|Warning)\s+[A-Z][A-Za-z]+\s+\S/.test(line.text) || /^\s*\S+\s+(Normal|Warning)\s+[A-Z][A-Za-z]+\s+[a-z.]+\/\S+\s/.test(line.text));
  if (eventRow) output.recognised.push({ reader: 'Kubernetes events', source, line: eventRow.line, count: 0 });
  const statusField = lines.find((line) => /^\s*(phase|Phase):\s+(Completed|PartiallyFailed|Failed|FailedValidation|InProgress|New|Deleting|Available|Unavailable|Enabled|Ready|NotReady|WaitingForPluginOperations\w*|Finalizing\w*|Queued|ReadyToStart)\b/.test(line.text));
  if (statusField && !output.recognised.some((entry) => entry.line <= statusField.line && /describe|YAML/.test(entry.reader))) output.recognised.push({ reader: 'status fields (object kind not shown)', source, line: statusField.line, count: 0 });
  if (logCount > 0) {
    output.logs.push(...logKinds);
    output.recognised.push({ reader: 'log lines', source, line: firstLogLine, count: logCount });
  }
  return output;
}

function readEmbeddedYaml(lines: ReturnType<typeof cleanText>, source: string): ReaderOutput {
  const output = emptyOutput();
  for (let index = 0; index < lines.length; index += 1) {
    if (!/^(apiVersion|kind|status|spec|items|metadata):/.test(lines[index].text)) continue;
    let end = index + 1;
    while (end < lines.length && !lines[end].fence && (lines[end].text === '' || /^[\s-]|^[a-zA-Z]+:/.test(lines[end].text))) end += 1;
    const block = lines.slice(index, end);
    const parsed = parseObjects(block.map((line) => line.text).join('\n'), source, lines[index].line - 1);
    for (const { object, line } of parsed.objects) output.objects.push({ object, at: { source, line, reader: `${object.kind} YAML` } });
    if (parsed.objects.length || parsed.fragments.length) {
      output.recognised.push({ reader: parsed.objects.length ? 'YAML objects' : 'YAML fragment (kind not shown)', source, line: lines[index].line, count: parsed.objects.length });
    }
    index = end - 1;
  }
  return output;
}

/** Stream a large file as log lines: only signal lines are kept (bounded), whatever the size. */
async function streamLog(file: string, source: string, read: EvidenceRead): Promise<void> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let number = 0;
  let count = 0;
  let first = 0;
  const kinds = new Set<EvidenceKind>();
  for await (const raw of lines) {
    number += 1;
    read.matcher.push({ text: raw, source, line: number });
    const kind = quickLogKind(raw, count < 100);
    if (!kind) continue;
    count += 1;
    first ||= number;
    if (kind !== 'record') kinds.add(kind);
  }
  if (count === 0) read.unread.push(`${source}: ${number} line(s), none of them a Velero log line (expected logfmt \`time=… level=… msg=…\` or JSON lines); files this large are read as logs only`);
  else {
    read.logs.push(...kinds);
    read.recognised.push({ reader: 'log lines (streamed)', source, line: first, count });
  }
}

async function readFile(file: string, source: string, read: EvidenceRead, input: ReadInput): Promise<void> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    read.unread.push(`${source}: cannot be read (${error instanceof Error ? error.message : String(error)})`);
    return;
  }
  read.files.push(source);
  if (size === 0) {
    read.unread.push(`${source}: empty file`);
    return;
  }
  const handle = await open(file, 'r');
  const head = Buffer.alloc(Math.min(size, 65536));
  await handle.read(head, 0, head.length, 0);
  await handle.close();
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const { readBundle } = await import('./bundle.ts');
    await readBundle(file, source, read, input);
    return;
  }
  if (looksBinary(head)) {
    read.unread.push(`${source}: not a text file (binary content; expected kubectl YAML/JSON, Velero CLI output, logs or a velero debug bundle .tar.gz)`);
    return;
  }
  if (size > STREAM_THRESHOLD_BYTES && !looksLikeObjects(head.toString('utf8'))) {
    await streamLog(file, source, read);
    return;
  }
  const { readFileSync } = await import('node:fs');
  // Bytes, then text: Node 20 decodes `readFileSync(file, 'utf8')` several times slower than
  // `Buffer#toString` (docs/performance.md); the bytes are garbage as soon as the text exists.
  readTextContent(readFileSync(file).toString('utf8'), source, read, input);
}

/** Read one text (a file's content or standard input) into `read`. */
export function readTextContent(text: string, source: string, read: EvidenceRead, input: ReadInput): void {
  if (text.trim() === '') {
    read.unread.push(`${source}: holds only white space`);
    return;
  }
  if (looksLikeObjects(text)) {
    const problemsBefore = read.unread.length;
    // Whole files of objects go through the fast reader the captures use (JSON.parse, js-yaml).
    try {
      const objects = flattenLists(parseObjectText(text)).filter(isKubeObject);
      if (objects.length > 0) {
        matchObjectFile(read.matcher, text, /^\s*[[{]/.test(text) ? 'json' : 'yaml', source, objects);
        for (const object of objects) read.objects.push({ object, at: { source, line: 1, reader: 'kubectl YAML/JSON' } });
        read.recognised.push({ reader: 'kubectl YAML/JSON', source, line: 1, count: objects.length });
        read.objectFiles.push(source);
        return;
      }
    } catch (error) {
      const problem = error as { line?: number; column?: number; reason?: string; message?: string };
      const at = problem.line !== undefined ? `, line ${problem.line}${problem.column !== undefined ? `, column ${problem.column}` : ''}` : '';
      read.unread.push(`${source}${at}: invalid YAML/JSON (${problem.reason ?? problem.message ?? String(error)})`);
    }
    matchText(read, text, source);
    // Not readable as a whole (a paste cut short, two outputs glued together): salvage the documents that parse.
    const parsed = parseObjects(text, source);
    if (read.unread.length === problemsBefore) read.unread.push(...parsed.problems);
    if (parsed.objects.length > 0 && parsed.problems.length === 0) {
      for (const { object, line } of parsed.objects) read.objects.push({ object, at: { source, line, reader: 'kubectl YAML/JSON' } });
      read.recognised.push({ reader: 'kubectl YAML/JSON', source, line: 1, count: parsed.objects.length });
      read.objectFiles.push(source);
      return;
    }
    if (parsed.objects.length > 0) {
      // Some documents parsed, some did not: a partial paste. Keep what parsed, as pasted text.
      for (const { object, line } of parsed.objects) read.objects.push({ object, at: { source, line, reader: 'kubectl YAML/JSON (partial)' } });
      read.recognised.push({ reader: 'kubectl YAML/JSON (partial)', source, line: 1, count: parsed.objects.length });
      read.textFiles.push(source);
      return;
    }
  } else {
    matchText(read, text, source);
  }
  read.textFiles.push(source);
  mergeOutputs(read, readText(text, source, input));
}

const CAPTURE_LOG = 'capture-log.txt';

/**
 * What each file of scripts/capture.mjs holds (its `captureQueries`, scripts/capture.ts): a
 * successful query proves its kinds were listed, so their absence counts.
 */
export const CAPTURE_FILE_KINDS: Record<string, EvidenceKind[]> = {
  'velero.yaml': ['backups', 'schedules', 'backupStorageLocations', 'volumeSnapshotLocations', 'podVolumeBackups', 'podVolumeRestores', 'restores', 'backupRepositories', 'deleteBackupRequests'],
  'workloads.yaml': ['deployments', 'daemonSets', 'jobs', 'configMaps', 'events'],
  'secrets.yaml': ['secrets'],
  'cluster.yaml': ['nodes', 'namespaces', 'persistentVolumes'],
  'pods.yaml': ['pods', 'persistentVolumeClaims', 'services'],
  'ingresses.yaml': ['ingresses'],
  'httproutes.yaml': ['httpRoutes'],
};

/** Kinds scripts/capture.mjs listed, from its capture-log.txt (`<file>: N object(s)` per successful query). */
function captureKinds(log: string): EvidenceKind[] {
  const kinds: EvidenceKind[] = [];
  for (const match of log.matchAll(/^([\w.-]+\.yaml): \d+ object\(s\)$/gm)) kinds.push(...(CAPTURE_FILE_KINDS[match[1]] ?? []));
  return kinds;
}

/** Read a path (file or directory; `-` is standard input, passed as `stdinText`). */
export async function readEvidence(path: string, input: ReadInput, options: { stdinText?: string; skipDirs?: string[] } = {}): Promise<EvidenceRead> {
  const read = newRead();
  if (path === '-') {
    read.files.push('(standard input)');
    readTextContent(options.stdinText ?? '', '(standard input)', read, input);
    read.signatures = read.matcher.results();
    return read;
  }
  const stats = statSync(path);
  if (stats.isFile()) {
    await readFile(path, path, read, input);
    read.signatures = read.matcher.results();
    return read;
  }
  for (const file of filesUnder(path, options.skipDirs)) {
    const source = relative(path, file) || file;
    if (source === CAPTURE_LOG) {
      const { readFileSync } = await import('node:fs');
      read.captureKinds = captureKinds(readFileSync(file, 'utf8'));
      continue;
    }
    await readFile(file, source, read, input);
  }
  read.signatures = read.matcher.results();
  return read;
}
