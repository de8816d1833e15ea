/**
 * The shortcut for a whole `kubectl get -o json|yaml` file: rather than every line, offer the
 * matcher only the lines that can change what it finds (one needle search over the whole text, the
 * shallow structure of YAML), and read the phases of the parsed objects instead of their lines.
 */
import { NeedleSet } from './needles.ts';
import { SIGNATURES } from './signatures.ts';
import type { ObjectKind } from './signatures/types.ts';
import { PHASED_KINDS, UNIQUE_PHASES } from './match/context.ts';
import { ANY_NEEDLE, MESSAGE_SIGNATURES } from './match/messages.ts';
import type { Matcher } from './match/types.ts';

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
