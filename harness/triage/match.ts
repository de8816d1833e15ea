/**
 * Applies the failure-signature registry (`signatures.ts`) to lines of text: logs, describe output,
 * CLI tables, YAML, mixed pastes. Pure: the caller reads files and streams; this module only looks
 * at one line at a time, keeping a few lines of context per source, so a 200 MB log costs time
 * linear in its size and memory bounded by the number of distinct findings.
 *
 * Two kinds of evidence:
 * - messages (a Velero/AWS/Kopia error text) match where they appear; repeated matches of one
 *   finding are counted, with the first few lines quoted;
 * - phases (describe `Phase:`, a table's STATUS/PHASE cell, YAML `phase:`, the per-volume lists of
 *   `describe --details`) are observations of an object: the latest observation of each object
 *   counts, so a backup described InProgress and then Completed is Completed.
 *
 * Quoted evidence and values are redacted (harness/redact.ts) and stripped of terminal
 * control sequences; they are still untrusted text that a reporter must escape.
 */
import { Redactor } from '../redact.ts';
import type { ItemId } from '../catalog.ts';
import { NeedleSet } from './needles.ts';
import { SIGNATURES, signatureFor } from './signatures.ts';
import { NON_FAILURES } from './signatures/non-failures.ts';
import type { Component, ObjectKind, Signature, SignatureSeverity } from './signatures/types.ts';

export interface InputLine {
  text: string;
  /** Where the line comes from (a file name, `stdin`, a bundle member). */
  source: string;
  /** 1-based line number in that source. */
  line: number;
}

export interface EvidenceLine {
  source: string;
  line: number;
  /** The line as quoted: control characters removed, secrets redacted, long lines cut. */
  text: string;
}

export interface SignatureMatch {
  code: string;
  item: ItemId;
  severity: SignatureSeverity;
  title: string;
  cause: string;
  fix: string;
  /** How many times the finding was seen (lines for messages, objects for phases). */
  count: number;
  /** The first lines that showed it, with their source and line number. */
  evidence: EvidenceLine[];
  /** The values the cause and fix were filled from (redacted). */
  values: Record<string, string>;
}

export interface MatcherOptions {
  /** A redactor that also knows the run's secret values; a pattern-only one by default. */
  redactor?: Redactor;
  /** Lines quoted per finding (default 3). */
  maxEvidence?: number;
}

export interface Matcher {
  push(line: InputLine): void;
  /**
   * An object shown in a phase no signature reads (a Completed backup of a capture), read from the
   * parsed object rather than its lines: an earlier observation of it no longer counts.
   */
  settled(kind: ObjectKind, name: string): void;
  results(): SignatureMatch[];
}

/** Only this much of a line is matched: Velero's longest messages are a few KiB; a 200 MB line is not a log line. */
const MAX_MATCH_CHARS = 64 * 1024;
/** Quoted evidence is cut here. */
const MAX_QUOTE_CHARS = 1000;
const MAX_VALUE_CHARS = 200;

const MESSAGE_SIGNATURES = SIGNATURES.filter((signature) => signature.patterns?.length);
// One pass over the line decides whether any message signature can match at all (most log lines: none).
const ANY_NEEDLE = new NeedleSet(MESSAGE_SIGNATURES.flatMap((signature) => signature.needles ?? []));

/** The line number of every `at` (ascending positions in `text`), counting newlines once. */
function lineCounter(text: string): (at: number) => number {
  let line = 1;
  let counted = 0; // every newline before `counted` has been counted into `line`
  return (at) => {
    for (let newline = text.indexOf('\n', counted); newline !== -1 && newline < at; newline = text.indexOf('\n', newline + 1)) line += 1;
    counted = at;
    return line;
  };
}

/** The lines of a text that name a message signature's needle, found in one pass over the text. */
function* needleLines(text: string): Generator<number> {
  const lineOf = lineCounter(text);
  for (let hit = ANY_NEEDLE.find(text); hit !== -1; ) {
    yield lineOf(hit);
    const end = text.indexOf('\n', hit);
    if (end === -1) return;
    hit = ANY_NEEDLE.find(text, end);
  }
}

/**
 * The lines of a whole `kubectl get -o json|yaml` file that can change what the matcher finds,
 * with their line numbers. A line that names a message signature's needle can match (one search
 * over the whole text finds those). JSON lines carry no phase context, so nothing else of a JSON
 * file can. In YAML the phase observations read only shallow structure: an object's own
 * keys (indentation ≤ 2, in a List or alone — they also end a `metadata:` block) and the
 * `kind:`/`metadata:`/`name:`/`phase:`/`paused:` lines a few levels down. The deep rest of a large
 * capture (labels, annotations, managedFields, specs) cannot match and is skipped, so that a
 * capture of thousands of objects costs little more than parsing it.
 */
export function* objectFileLinesThatMayMatch(text: string, format: 'json' | 'yaml'): Generator<{ text: string; line: number }> {
  const needles = new Set(needleLines(text));
  let number = 0;
  for (let start = 0; start <= text.length; ) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    number += 1;
    if (needles.has(number) || (format === 'yaml' && shallowYamlContext(text, start, stop))) {
      yield { text: text.slice(start, stop).replace(/\r$/, ''), line: number };
    }
    if (end === -1) break;
    start = end + 1;
  }
}

const YAML_CONTEXT_KEY = /^\s*(?:- )?(?:kind|metadata|name|phase|paused):/;

function shallowYamlContext(text: string, start: number, stop: number): boolean {
  let indent = 0;
  while (start + indent < stop && text.charCodeAt(start + indent) === 32) indent += 1;
  if (start + indent === stop) return false; // blank
  if (indent <= 2) return true;
  return indent <= 8 && YAML_CONTEXT_KEY.test(text.slice(start, Math.min(stop, start + indent + 12)));
}

/** The given lines of a text (ascending numbers), with their text. */
function* linesOf(text: string, numbers: Iterable<number>): Generator<{ text: string; line: number }> {
  let number = 1;
  let start = 0;
  for (const line of numbers) {
    for (; number < line; number += 1) start = text.indexOf('\n', start) + 1;
    const end = text.indexOf('\n', start);
    yield { text: text.slice(start, end === -1 ? text.length : end).replace(/\r$/, ''), line };
  }
}

/** A Kubernetes object name as a YAML `name:` line shows it to the matcher. */
const OBJECT_NAME = /^[\w.-]{1,253}$/;

/** What the matcher reads of an object of a whole object file. */
export interface ShownObject {
  kind?: unknown;
  metadata?: { name?: unknown };
  status?: { phase?: unknown };
}

/**
 * Offer a whole `kubectl get -o json|yaml` file (parsed into `objects`, in file order) to the
 * matcher. In YAML, what the shallow structure shows (objectFileLinesThatMayMatch) can matter only
 * where the text holds something the context reads: a phase or `paused: true` a signature names,
 * a table header, a per-volume list, a describe or server start, a continued error line. A
 * capture without any of these (a healthy cluster's, however large) offers only its needle lines;
 * its objects' phases, none of which a signature reads, still replace earlier observations of the
 * same objects, as the lines would have.
 */
export function matchObjectFile(matcher: Matcher, text: string, format: 'json' | 'yaml', source: string, objects: readonly ShownObject[]): void {
  const lines = format === 'json' ? needleLines(text) : needleLinesUnlessContext(text);
  if (!lines) {
    for (const { text: raw, line } of objectFileLinesThatMayMatch(text, 'yaml')) matcher.push({ text: raw, source, line });
    return;
  }
  for (const { text: raw, line } of linesOf(text, lines)) matcher.push({ text: raw, source, line });
  if (format === 'json') return;
  for (const object of objects) {
    const phase = typeof object.status?.phase === 'string' ? /^[A-Za-z]{1,60}\b/.exec(object.status.phase)?.[0] : undefined;
    const name = object.metadata?.name;
    if (phase && !SIGNATURE_PHASES.has(phase) && typeof object.kind === 'string' && PHASED_KINDS.has(object.kind) && typeof name === 'string' && OBJECT_NAME.test(name)) {
      matcher.settled(object.kind as ObjectKind, name);
    }
  }
}

/** Every phase word a signature reads (any kind: a phase line's kind comes from context). */
const SIGNATURE_PHASES: ReadonlySet<string> = new Set(SIGNATURES.flatMap((signature) => signature.phases?.phases ?? []));
/**
 * Words of the context lines that can turn into a finding: per-volume lists (`Pod Volume Backups:`,
 * `Kopia Restores:`), `kubectl describe pod`, a server's start, an error continued on the next line.
 */
const CONTEXT_WORDS = ['Volume Backups', 'Volume Restores', 'opia Backups', 'opia Restores', 'estic Backups', 'estic Restores', 'describe', 'Starting ', 'caused by:', 'status code:'];
// One search finds the needles and the context words together.
const NEEDLES_AND_CONTEXT = new NeedleSet([...MESSAGE_SIGNATURES.flatMap((signature) => signature.needles ?? []), ...CONTEXT_WORDS]);

/**
 * The needle lines of a YAML object file, or undefined when the text holds anything the matcher's
 * context could turn into a finding (conservative: an undefined costs only time): a phase or
 * `paused: true` a signature reads, a table header, a context word, a terminal control sequence.
 */
function needleLinesUnlessContext(text: string): number[] | undefined {
  if (text.includes('\x1b')) return undefined;
  // `phase:`/`Phase:` with a phase a signature reads; `paused:`/`Paused:` true.
  for (const key of ['hase:', 'aused:']) {
    for (let at = text.indexOf(key); at !== -1; at = text.indexOf(key, at + key.length)) {
      const value = /^[^\S\n]*["']?([A-Za-z]{1,60})/.exec(text.slice(at + key.length, at + key.length + 72))?.[1];
      if (value !== undefined && (key === 'aused:' ? value === 'true' : SIGNATURE_PHASES.has(value) || Object.hasOwn(UNIQUE_PHASES, value))) return undefined;
    }
  }
  // A table header (`NAME  STATUS …`, `NAMESPACE  NAME …`): the word not inside another (`NODE_NAME`).
  for (let at = text.indexOf('NAME'); at !== -1; at = text.indexOf('NAME', at + 4)) {
    if (at > 0 && /[\w.-]/.test(text[at - 1])) continue;
    const after = text.startsWith('NAMESPACE', at) ? at + 9 : at + 4;
    if (/^[^\S\n]/.test(text.slice(after, after + 1))) return undefined;
  }
  const lines: number[] = [];
  const lineOf = lineCounter(text);
  for (let hit = NEEDLES_AND_CONTEXT.find(text); hit !== -1; hit = NEEDLES_AND_CONTEXT.find(text, hit + 1)) {
    // A word of the set starts here: a context word, or else a needle.
    if (CONTEXT_WORDS.some((word) => text.startsWith(word, hit))) return undefined;
    const line = lineOf(hit);
    if (lines[lines.length - 1] !== line) lines.push(line);
  }
  return lines;
}

/** Whether a YAML object file is read line by line (objectFileLinesThatMayMatch) rather than from its objects. */
export function yamlContextMayMatter(text: string): boolean {
  return needleLinesUnlessContext(text) === undefined;
}

const ANY_NON_FAILURE = new RegExp(NON_FAILURES.map((entry) => entry.pattern.source).join('|'));

// ESC/CSI sequences (colours from `velero describe`) and other control characters except tab.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

// A log line in logfmt or JSON (maybe behind a log viewer's timestamp): never a table, a describe field or a command.
function isLogLine(text: string): boolean {
  const head = text.length > 80 ? text.slice(0, 80) : text;
  return head.includes('time="') || head.startsWith('{"');
}
const CONTINUATION = /^\s*(?:caused by:|status code: \d{3}\b)/;
const COMPONENT_MARKERS: ReadonlyArray<[RegExp, Component]> = [
  [/Starting Velero node-agent server|Starting Velero restic server|Starting node-agent server/, 'node-agent'],
  [/Starting Velero server\b/, 'server'],
];

const RESOURCE_KINDS: ReadonlyArray<[RegExp, ObjectKind]> = [
  [/^(?:backups?|backup\.velero\.io|backups\.velero\.io)$/i, 'Backup'],
  [/^(?:restores?|restores?\.velero\.io)$/i, 'Restore'],
  [/^(?:schedules?|schedules?\.velero\.io)$/i, 'Schedule'],
  [/^(?:backupstoragelocations?(?:\.velero\.io)?|bsl|backup-locations?)$/i, 'BackupStorageLocation'],
  [/^(?:backuprepositor(?:y|ies)(?:\.velero\.io)?|repo|resticrepositor(?:y|ies))$/i, 'BackupRepository'],
  [/^(?:podvolumebackups?(?:\.velero\.io)?|pvb)$/i, 'PodVolumeBackup'],
  [/^(?:podvolumerestores?(?:\.velero\.io)?|pvr)$/i, 'PodVolumeRestore'],
];
// Flags are `-x`/`--name[=value]`/`--name value`: a flag starts with a word character after its dashes and a value never
// starts with a dash, so each word parses one way only (no backtracking blow-up on a line of many flags).
const VELERO_COMMAND = /\b(?:velero|ark|oadp)\s+(?:(?:--?\w[\w-]*(?:=\S+)?\s+)*)(?:get\s+(?<plural>backups|restores|schedules|backup-locations)\b|(?<noun>backup|restore|schedule|backup-location|repo)\s+(?<verb>describe|get|logs)\b(?:\s+(?<arg>[a-z0-9][\w.-]{0,252}))?)/;
const KUBECTL_COMMAND = /\b(?:kubectl|oc)\s+(?:(?:--?\w[\w-]*(?:[= ](?![-\s])\S+)?\s+)*)(?:get|describe)\s+(?<resource>[\w.-]+)(?:[ /](?<arg>[a-z0-9][\w.-]{0,252}))?/;
// A resource's kind (YAML `kind:`, kubectl describe `Kind:`); ownerReferences are deeper. Kinds the registry has no phases for (Pod, Job, List) end the previous object.
const KIND_LINE = /^(?:\s{0,2}|\s{0,2}- )[Kk]ind:\s+["']?(?<kind>[A-Z][A-Za-z]{0,62})["']?\s*$/;
const PHASED_KINDS: ReadonlySet<string> = new Set(['Backup', 'Restore', 'Schedule', 'BackupStorageLocation', 'BackupRepository', 'PodVolumeBackup', 'PodVolumeRestore']);
const DESCRIBE_NAME = /^Name:\s+(?<name>\S{1,253})\s*$/;
const POD_STATE = /^\s+State:\s+(?<state>Waiting|Running|Terminated)\b/;
const POD_REASON = /^\s+Reason:\s+(?<reason>CrashLoopBackOff|ImagePullBackOff|ErrImagePull|OOMKilled|CreateContainerConfigError|Error)\s*$/;
const FILE_HINTS: ReadonlyArray<[RegExp, ObjectKind]> = [
  [/backup_describe_|backup-describe/, 'Backup'],
  [/restore_describe_|restore-describe/, 'Restore'],
];
// `Phase:` of describe output (velero: column 0; kubectl: under `Status:`), `phase:` of YAML (`status.phase`, also in a List).
// Deeper `Phase:` lines are not the object's: a backup's item operations print their own (`    Phase:  Failed`).
const PHASE_LINE = /^(?<indent>\s*)(?<key>Phase|phase):\s+["']?(?<phase>[A-Za-z]{1,60})\b/;
const INLINE_KIND = /\(run [`'"]?(?:velero|ark) (?<noun>backup|restore) logs (?<name>[\w.-]{1,253})/;
const PAUSED_LINE = /^\s{0,4}(?:Paused|paused):\s+["']?true\b/;
const VOLUME_LIST = /^(?<indent>\s*)(?:Pod Volume (?<pv>Backups|Restores)(?: - \w+)?|(?:Restic|Kopia|kopia|restic) (?<legacy>Backups|Restores))(?: \([^)]{0,80}\))?:\s*$/;
// `describe --details` lists volumes under each phase; without --details it prints a count (`Failed:  2`).
const VOLUME_GROUP = /^\s+(?<group>Completed|Failed|New|In Progress|InProgress|Canceled|Cancelled|Canceling|Accepted|Prepared|Pending):\s*(?<count>\d{1,9})?\s*$/;
const VOLUME_ENTRY = /^\s+(?<entry>[^\s:/]{1,253}\/[^\s:]{1,253}):\s*(?<volumes>\S.{0,500})$/;
const METADATA = /^(?<indent>\s*)(?:- )?metadata:\s*$/;
// A phase observed under a name is keyed by kind and name; these phases name only one kind.
const UNIQUE_PHASES: Readonly<Record<string, ObjectKind>> = { Unavailable: 'BackupStorageLocation', NotReady: 'BackupRepository' };

interface Table {
  kind: ObjectKind;
  name: number;
  status: number;
  paused: number;
}

interface SourceState {
  component?: Component;
  kind?: ObjectKind;
  name?: string;
  /** Objects without a name are told apart by the marker that introduced them. */
  seq: number;
  /** The last command's resource, to tell a bare table's kind. */
  commandKind?: ObjectKind;
  table?: Table;
  volumes?: { kind: 'PodVolumeBackup' | 'PodVolumeRestore'; indent: number; group?: string };
  metadataIndent?: number;
  /** Indentation of the current describe output (a paste may indent everything). */
  baseIndent: number;
  /** Whether the current object's `Name:` line was seen (it sets `baseIndent`). */
  headerSeen?: boolean;
  /** Inside `kubectl describe pod`: the pod, and whether its container is waiting or terminated. */
  describingPod?: boolean;
  pod?: string;
  waiting?: boolean;
  /** The last line (with its continuations), for the next line that continues it. */
  previous: { line: number; text?: string; firstLine: number; firstText: string; accumulators?: Map<string, Accumulator> };
}

interface Accumulator {
  signature: Signature;
  values: Record<string, string>;
  count: number;
  evidence: EvidenceLine[];
}

interface Observation {
  kind: ObjectKind;
  name?: string;
  phase: string;
  evidence: EvidenceLine;
}

/** Match a whole text already split into lines. */
export function matchSignatures(lines: Iterable<InputLine>, options: MatcherOptions = {}): SignatureMatch[] {
  const matcher = createMatcher(options);
  for (const line of lines) matcher.push(line);
  return matcher.results();
}

/** An incremental matcher: `push` every line of every source in order, then read `results()`. */
export function createMatcher(options: MatcherOptions = {}): Matcher {
  const redactor = options.redactor ?? new Redactor();
  const maxEvidence = options.maxEvidence ?? 3;
  const sources = new Map<string, SourceState>();
  const accumulators = new Map<string, Accumulator>();
  const observations = new Map<string, Observation>();

  const quote = (source: string, line: number, raw: string): EvidenceLine => {
    const text = clean(raw);
    return { source, line, text: redactor.text(text.length > MAX_QUOTE_CHARS ? `${text.slice(0, MAX_QUOTE_CHARS)}…` : text) };
  };

  const stateOf = (source: string): SourceState => {
    let state = sources.get(source);
    if (!state) {
      state = { seq: 0, baseIndent: 0, previous: { line: -1, firstLine: -1, firstText: '' } };
      for (const [pattern, kind] of FILE_HINTS) if (pattern.test(source)) state.kind = kind;
      if (/node-agent|restic/.test(source)) state.component = 'node-agent';
      sources.set(source, state);
    }
    return state;
  };

  const record = (signature: Signature, groups: Record<string, string | undefined>, evidence: EvidenceLine[]): Accumulator => {
    const values = cleanValues(groups, redactor);
    const key = [signature.code, ...(signature.distinctBy ?? []).map((name) => values[name] ?? '')].join('\u0000');
    let accumulator = accumulators.get(key);
    if (!accumulator) {
      accumulator = { signature, values, count: 0, evidence: [] };
      accumulators.set(key, accumulator);
    }
    accumulator.count += 1;
    for (const line of evidence) if (accumulator.evidence.length < maxEvidence) accumulator.evidence.push(line);
    return accumulator;
  };

  const observe = (state: SourceState, source: string, kind: ObjectKind, name: string | undefined, phase: string, evidence: EvidenceLine, display = name): void => {
    const key = name ? `${kind}/${name}` : `${kind}/#${source}#${state.seq}`;
    // Delete first so that the map's order is the order of the latest observations.
    observations.delete(key);
    observations.set(key, { kind, name: display, phase, evidence });
  };

  const matchMessages = (state: SourceState, text: string): Array<{ signature: Signature; groups: Record<string, string | undefined> }> => {
    if (!ANY_NEEDLE.test(text)) return [];
    const hits: Array<{ signature: Signature; groups: Record<string, string | undefined> }> = [];
    for (const signature of MESSAGE_SIGNATURES) {
      if (signature.needles && !signature.needles.some((needle) => text.includes(needle))) continue;
      if (signature.component && state.component !== signature.component) continue;
      if (signature.requires && !signature.requires.some((pattern) => pattern.test(text))) continue;
      if (signature.unless?.some((pattern) => pattern.test(text))) continue;
      for (const pattern of signature.patterns ?? []) {
        const match = pattern.exec(text);
        if (match) {
          hits.push({ signature, groups: { ...match.groups } });
          break;
        }
      }
    }
    const codes = new Set(hits.map((hit) => hit.signature.code));
    return hits.filter(
      (hit) =>
        !hit.signature.supersededBy?.some((code) => codes.has(code)) &&
        !(hit.signature.fallback && hits.some((other) => other.signature.item === hit.signature.item && !other.signature.fallback)),
    );
  };

  const updateContext = (state: SourceState, source: string, text: string, evidence: () => EvidenceLine): void => {
    const trimmed = text.trim();
    if (trimmed === '' || /^`{3}/.test(trimmed)) {
      state.table = undefined;
      return;
    }
    const indent = text.length - text.trimStart().length;

    // Before commands: a describe phase line names its own logs command (`(run 'velero backup logs x' …)`).
    const phaseLine = PHASE_LINE.exec(text);
    const depth = indent - state.baseIndent;
    if (phaseLine?.groups?.phase && (phaseLine.groups.key === 'Phase' ? depth <= 2 : depth >= 2 && depth <= 6)) {
      const inline = INLINE_KIND.exec(text);
      const phase = phaseLine.groups.phase;
      const kind: ObjectKind | undefined = inline
        ? inline.groups?.noun === 'restore'
          ? 'Restore'
          : 'Backup'
        : (state.kind ?? UNIQUE_PHASES[phase]);
      const name = inline?.groups?.name ?? state.name;
      if (kind) observe(state, source, kind, name, phase, evidence());
      return;
    }
    const velero = VELERO_COMMAND.exec(text);
    const kubectl = velero ? null : KUBECTL_COMMAND.exec(text);
    if (velero || kubectl) {
      const word = velero ? (velero.groups?.plural ?? velero.groups?.noun ?? '') : (kubectl?.groups?.resource ?? '');
      const kind = RESOURCE_KINDS.find(([pattern]) => pattern.test(word))?.[1];
      state.describingPod = Boolean(kubectl && /^pods?$/.test(word) && /\bdescribe\b/.test(text));
      state.pod = state.describingPod ? (kubectl?.groups?.arg ?? undefined) : undefined;
      state.waiting = false;
      state.baseIndent = 0;
      state.headerSeen = false;
      if (state.describingPod) return;
      if (kind) {
        state.kind = kind;
        state.commandKind = kind;
        state.name = (velero ?? kubectl)?.groups?.arg;
        state.seq += 1;
        state.table = undefined;
        state.volumes = undefined;
        return;
      }
    }

    const kindLine = KIND_LINE.exec(text);
    if (kindLine?.groups?.kind) {
      state.kind = PHASED_KINDS.has(kindLine.groups.kind) ? (kindLine.groups.kind as ObjectKind) : undefined;
      // `kubectl describe` prints `Kind:` after the object's `Name:`; YAML prints `kind:` before its name.
      if (text.trimStart().startsWith('kind')) {
        state.name = undefined;
        state.headerSeen = false;
        state.seq += 1;
      }
      return;
    }

    const header = tableHeader(trimmed, state.commandKind);
    if (header) {
      state.table = header;
      state.volumes = undefined;
      return;
    }
    if (state.table) {
      const cells = trimmed.split(/\t+|\s{2,}/);
      const table = state.table;
      if (cells.length > table.status && cells.length >= 2) {
        const name = cells[table.name];
        // The phase is the cell's first word: Velero 1.0–1.1 printed `PartiallyFailed (2 errors)`.
        const phase = /^[A-Za-z]{1,60}(?=\s|$)/.exec(cells[table.status] ?? '')?.[0];
        if (name && phase) observe(state, source, table.kind, name, phase, evidence());
        if (table.paused >= 0 && cells[table.paused] === 'true') observe(state, source, table.kind, name, 'Paused', evidence());
      }
      return;
    }

    // The describe header's `Name:` (a paste may indent the whole output); a nested `Name:` is not the object's.
    const describeName = indent <= state.baseIndent || !state.headerSeen ? DESCRIBE_NAME.exec(text.slice(indent)) : null;
    if (describeName?.groups?.name) {
      if (state.describingPod) state.pod = describeName.groups.name;
      else state.name = describeName.groups.name;
      state.baseIndent = indent;
      state.headerSeen = true;
      return;
    }
    if (state.describingPod && state.pod) {
      // `kubectl describe pod`: the container's current state (not `Last State:`, which is history).
      const current = POD_STATE.exec(text);
      if (current) {
        state.waiting = current.groups?.state === 'Waiting' || current.groups?.state === 'Terminated';
        return;
      }
      const reason = POD_REASON.exec(text);
      if (reason?.groups?.reason && state.waiting) {
        state.waiting = false;
        const code = /^(?:node-agent|restic)-/.test(state.pod) ? 'VV-NA-004' : /^velero-/.test(state.pod) && !state.pod.includes('maintain-job') ? 'VV-POD-001' : undefined;
        if (code) record(signatureFor(code), { pod: state.pod, status: reason.groups.reason }, [evidence()]);
        return;
      }
    }
    const metadata = METADATA.exec(text);
    if (metadata) {
      state.metadataIndent = metadata.groups?.indent.length ?? 0;
      return;
    }
    if (state.metadataIndent !== undefined) {
      if (indent <= state.metadataIndent) state.metadataIndent = undefined;
      else {
        const yamlName = /^\s*name:\s+["']?(?<name>[\w.-]{1,253})["']?\s*$/.exec(text);
        if (yamlName?.groups?.name && indent === state.metadataIndent + 2) state.name = yamlName.groups.name;
      }
    }

    const list = VOLUME_LIST.exec(text);
    if (list) {
      const restores = (list.groups?.pv ?? list.groups?.legacy) === 'Restores';
      state.volumes = { kind: restores ? 'PodVolumeRestore' : 'PodVolumeBackup', indent: list.groups?.indent.length ?? 0 };
      return;
    }
    if (state.volumes) {
      const group = VOLUME_GROUP.exec(text);
      if (group?.groups?.group && indent > state.volumes.indent) {
        state.volumes.group = group.groups.group.replace(/\s+/, '').replace('Cancelled', 'Canceled');
        const count = Number(group.groups.count ?? 0);
        if (count > 0) {
          const key = `#${source}#${state.seq}#${state.volumes.group}`;
          observe(state, source, state.volumes.kind, key, state.volumes.group, evidence(), `(${count} volume${count === 1 ? '' : 's'})`);
        }
        return;
      }
      const entry = VOLUME_ENTRY.exec(text);
      if (entry?.groups?.entry && state.volumes.group && indent > state.volumes.indent) {
        observe(state, source, state.volumes.kind, `${entry.groups.entry}: ${entry.groups.volumes.trim()}`, state.volumes.group, evidence());
        return;
      }
      if (indent <= state.volumes.indent) state.volumes = undefined;
      else return;
    }

    if (PAUSED_LINE.test(text) && state.kind === 'Schedule') observe(state, source, 'Schedule', state.name, 'Paused', evidence());
  };

  return {
    push({ text: raw, source, line }: InputLine): void {
      const state = stateOf(source);
      const sliced = raw.length > MAX_MATCH_CHARS ? raw.slice(0, MAX_MATCH_CHARS) : raw;

      if (sliced.includes('Starting ')) for (const [pattern, component] of COMPONENT_MARKERS) if (pattern.test(sliced)) state.component = component;

      // A `caused by:` / `status code:` line continues the previous line's error (AWS SDK v1 prints them so).
      const previous = state.previous;
      if (previous.line === line - 1 && previous.text !== undefined && CONTINUATION.test(sliced)) {
        const text = clean(sliced);
        const merged = `${previous.text} ${text.trim()}`;
        if (!ANY_NON_FAILURE.test(merged)) {
          for (const hit of matchMessages(state, merged)) {
            previous.accumulators ??= new Map();
            const known = previous.accumulators.get(hit.signature.code);
            if (known) {
              if (known.evidence.length < maxEvidence) known.evidence.push(quote(source, line, text));
            } else {
              const first = quote(source, previous.firstLine, previous.firstText);
              previous.accumulators.set(hit.signature.code, record(hit.signature, hit.groups, [first, quote(source, line, text)]));
            }
          }
        }
        previous.line = line;
        previous.text = merged.length > MAX_MATCH_CHARS ? merged.slice(0, MAX_MATCH_CHARS) : merged;
        return;
      }

      // The previous line, for a continuation; fields are reused, not reallocated, on the fast path below.
      previous.line = line;
      previous.firstLine = line;
      previous.accumulators = undefined;
      const logLine = isLogLine(sliced);
      // A log line that names no signature's message has nothing more to give (most lines of a large log).
      if (logLine && !ANY_NEEDLE.test(sliced)) {
        previous.text = previous.firstText = sliced;
        return;
      }
      const text = clean(sliced);
      if (ANY_NON_FAILURE.test(text)) {
        previous.text = undefined;
        return;
      }
      previous.text = previous.firstText = text;
      let quoted: EvidenceLine | undefined;
      // Quoted lazily: only lines that show something are ever quoted.
      const evidence = (): EvidenceLine => (quoted ??= quote(source, line, text));
      if (!logLine) updateContext(state, source, text, evidence);
      for (const hit of matchMessages(state, text)) {
        previous.accumulators ??= new Map();
        previous.accumulators.set(hit.signature.code, record(hit.signature, hit.groups, [evidence()]));
      }
    },

    settled(kind: ObjectKind, name: string): void {
      observations.delete(`${kind}/${name}`);
    },

    results(): SignatureMatch[] {
      // Copies: results() may be called again after more lines.
      const found: Accumulator[] = [...accumulators.values()].map((entry) => ({ ...entry, values: { ...entry.values }, evidence: [...entry.evidence] }));
      // Phases: the latest observation of each object, grouped by the signature it shows.
      // A code seen both as a message and as a phase (`invalid schedule: …` and FailedValidation) is one finding.
      const byCode = new Map<string, Accumulator>(found.filter((entry) => !entry.signature.distinctBy?.length).map((entry) => [entry.signature.code, entry]));
      const objects = new Map<string, string[]>();
      const objectCounts = new Map<string, number>();
      for (const observation of observations.values()) {
        const signature = SIGNATURES.find((entry) => entry.phases?.kind === observation.kind && entry.phases.phases.includes(observation.phase));
        if (!signature) continue;
        let accumulator = byCode.get(signature.code);
        if (!accumulator) {
          accumulator = { signature, values: {}, count: 0, evidence: [] };
          byCode.set(signature.code, accumulator);
          found.push(accumulator);
        }
        accumulator.count += 1;
        if (accumulator.evidence.length < maxEvidence) accumulator.evidence.push(observation.evidence);
        const names = objects.get(signature.code) ?? [];
        const seen = (objectCounts.get(signature.code) ?? 0) + 1;
        objects.set(signature.code, names);
        objectCounts.set(signature.code, seen);
        if (observation.name && names.length < 3) names.push(observation.name);
        const name = names.length ? names.join(', ') + (seen > names.length ? ` and ${seen - names.length} more` : '') : undefined;
        accumulator.values = { ...accumulator.values, ...cleanValues({ phase: accumulator.values.phase ?? observation.phase, name }, redactor) };
      }
      const precise = new Set(found.filter((entry) => !entry.signature.fallback).map((entry) => entry.signature.item));
      return found
        .filter((entry) => !(entry.signature.fallback && precise.has(entry.signature.item)))
        .map((entry) => ({
          code: entry.signature.code,
          item: entry.signature.item,
          severity: entry.signature.severity,
          title: entry.signature.title,
          cause: fill(entry.signature.cause, entry.values),
          fix: fill(entry.signature.fix, entry.values),
          count: entry.count,
          evidence: entry.evidence.map((line) => ({ ...line })),
          values: entry.values,
        }))
        .sort((a, b) => (a.severity === b.severity ? a.code.localeCompare(b.code) : a.severity === 'error' ? -1 : 1));
    },
  };
}

/** A table header: the kind of object its rows are, and where NAME and STATUS/PHASE are. */
function tableHeader(trimmed: string, commandKind: ObjectKind | undefined): Table | undefined {
  if (!/^(?:NAME|NAMESPACE)\s/.test(trimmed)) return undefined;
  const columns = trimmed.split(/\t+|\s{2,}/);
  const has = (column: string) => columns.includes(column);
  let kind: ObjectKind | undefined;
  if (has('EXPIRES')) kind = 'Backup';
  else if (has('BACKUP') && has('STARTED')) kind = 'Restore';
  else if (has('SCHEDULE') && (has('LAST BACKUP') || has('BACKUP TTL'))) kind = 'Schedule';
  else if (has('PHASE') && (has('LAST VALIDATED') || has('PROVIDER') || has('BUCKET/PREFIX'))) kind = 'BackupStorageLocation';
  else if (commandKind === 'PodVolumeRestore' && has('STATUS')) kind = 'PodVolumeRestore';
  else if (has('UPLOADER TYPE') || has('UPLOADER') || has('BYTES DONE')) kind = 'PodVolumeBackup';
  else if (commandKind && (has('STATUS') || has('PHASE'))) kind = commandKind;
  if (!kind) return undefined;
  const status = columns.indexOf(has('STATUS') ? 'STATUS' : 'PHASE');
  if (status < 0) return undefined;
  return { kind, name: columns.indexOf('NAME'), status, paused: columns.indexOf('PAUSED') };
}

function clean(text: string): string {
  // Most lines hold no control character and start with neither a backtick nor `>`: leave them be.
  let out = HAS_CONTROL.test(text) ? text.replace(ANSI, '').replace(/\r$/, '').replace(CONTROL, ' ') : text;
  const first = out.trimStart().charAt(0);
  // Inline code and quote markers a paste wraps around a line.
  if (first === '`' || first === '>') out = out.replace(/^(\s*)(?:>\s?|`(?!``))/, '$1');
  return out;
}

function cleanValues(groups: Record<string, string | undefined>, redactor: Redactor): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(groups)) {
    if (value === undefined || value === '') continue;
    const trimmed = value.trim();
    values[key] = redactor.text(trimmed.length > MAX_VALUE_CHARS ? `${trimmed.slice(0, MAX_VALUE_CHARS)}…` : trimmed);
  }
  return values;
}

/** Fill `{name}` / `{name|default}`; tidy the spaces an empty value leaves. */
export function fill(template: string, values: Record<string, string>): string {
  return template
    .replace(/\{(\w+)(?:\|([^}]*))?\}/g, (_match, name: string, fallback: string | undefined) => values[name] ?? fallback ?? `<${name}>`)
    .replace(/ {2,}/g, ' ')
    .replace(/ ([,.;:)])/g, '$1')
    .replace(/\( /g, '(');
}
