/**
 * Read Kubernetes objects from files as `kubectl get -o yaml|json` writes them: a `List`,
 * multi-document YAML, single objects or JSON — and the concatenation of several such outputs
 * (`kubectl get … -o yaml > f; kubectl get … -o yaml >> f`), which is what users do.
 * Shared by the snapshot and manifests targets. Anything unreadable is an AuditInputError naming
 * the file and, where there is one, the line.
 *
 * Speed matters at scale (a large cluster's capture is tens of MB): JSON is read with
 * `JSON.parse`, never with a YAML parser; YAML is read once with js-yaml, which builds plain data
 * without the comment and position bookkeeping of a document parser (docs/performance.md).
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { CORE_SCHEMA, loadAll, YAMLException } from 'js-yaml';
import { AuditInputError, describeError } from '../errors.ts';

const OBJECT_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface ReadFilesOptions {
  /** Directory names (relative to the root) that hold something else, e.g. a bucket capture. */
  skipDirs?: string[];
  /** What the user passed, for messages ("--snapshot", "--manifests"). */
  flag: string;
  /** Return [] for a directory without object files instead of failing (the caller explains). */
  allowEmpty?: boolean;
}

export interface ReadFileOptions {
  /** Prefix of every message ("--manifests"). */
  flag?: string;
  /** What the file should have held, for messages. */
  expected?: string;
}

const EXPECTED_DEFAULT = 'YAML or JSON as `kubectl get … -o yaml` writes it';

/**
 * Every file below the directory `path`, sorted by name at each level; hidden directories,
 * `node_modules` and the `skipDirs` (relative to `path`) are left out.
 */
export function filesUnder(path: string, skipDirs: readonly string[] = []): string[] {
  const files: string[] = [];
  const skip = new Set(skipDirs);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules' || skip.has(relative(path, full))) continue;
        walk(full);
      } else if (entry.isFile()) files.push(full);
    }
  };
  walk(path);
  return files;
}

/** The object files under `path` (a file, or a directory searched recursively), sorted. */
export function listObjectFiles(path: string, options: ReadFilesOptions): string[] {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new AuditInputError(`${options.flag} ${path}: no such file or directory.`);
  }
  if (stats.isFile()) return [path];
  const files = filesUnder(path, options.skipDirs).filter((file) => OBJECT_FILE_EXTENSIONS.includes(extname(file).toLowerCase()));
  if (files.length === 0 && !options.allowEmpty) {
    throw new AuditInputError(
      `${options.flag} ${path}: the directory holds no .yaml, .yml or .json files. Point it at the output of \`kubectl get … -o yaml\` (a file or a directory of such files).`,
    );
  }
  return files;
}

/** The first bytes of a file: enough to tell text from binary without holding the file twice. */
function headOf(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(8192);
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    closeSync(fd);
  }
}

function looksBinary(sample: Buffer): boolean {
  if (sample.includes(0)) return true;
  // Invalid UTF-8 shows up as replacement characters after a round trip.
  const text = sample.toString('utf8');
  const replacements = (text.match(/\uFFFD/g) ?? []).length;
  return replacements > 0 && replacements / Math.max(text.length, 1) > 0.01;
}

/** A problem at a position of the text, before the file name is known. */
class TextProblem extends Error {
  constructor(
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(reason);
  }
}

/** Input text quoted in a message: no control characters, bounded length. */
function quoted(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}

// ------------------------------------------------------------------------------------------------
// JSON
// ------------------------------------------------------------------------------------------------

/**
 * The top-level JSON values of a text that holds several (`kubectl get -o json >> f` appends a
 * second object after the first). Returns undefined when the text is not such a sequence.
 */
function splitJsonValues(text: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
      continue;
    }
    if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) {
      if (depth === 0) start = index;
      depth++;
    } else if (char === 0x7d || char === 0x5d) {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) parts.push(text.slice(start, index + 1));
    } else if (depth === 0 && char !== 0x20 && char !== 0x0a && char !== 0x0d && char !== 0x09) return undefined;
  }
  return depth === 0 && parts.length > 1 ? parts : undefined;
}

/** JSON values of the text, or undefined when it is not JSON (the YAML reader then decides). */
function readJson(text: string): unknown[] | undefined {
  try {
    return [JSON.parse(text)];
  } catch {
    const parts = splitJsonValues(text);
    if (!parts) return undefined;
    try {
      return parts.map((part) => JSON.parse(part));
    } catch {
      return undefined;
    }
  }
}

// ------------------------------------------------------------------------------------------------
// YAML
// ------------------------------------------------------------------------------------------------

/** The YAML 1.2 core schema, as `kubectl` and the `yaml` library read YAML: timestamps stay strings, no `<<` merges. */
const YAML_OPTIONS = { schema: CORE_SCHEMA };

/** Expanded size above which aliases are refused (a "billion laughs" document). */
const MAX_ALIAS_EXPANSION = 1_000_000;
/**
 * An alias (`*name`) may occur in the text: only then is the expansion measured. An alias names an
 * anchor (`&name`; js-yaml refuses an alias without one), so both must be there: a cron schedule
 * (`"0 3 * * *"`) alone is not worth walking every parsed value for.
 */
const MAY_HOLD_ALIAS = /(?:^|[\s,[{])\*[^\s,[\]{}*]/m;
const MAY_HOLD_ANCHOR = /(?:^|[\s,[{])&[^\s,[\]{}]/m;

/**
 * js-yaml resolves an alias to the same object, so a bomb costs no memory while parsing — but
 * anything that walks the value afterwards would expand it. Count the expanded size with a memo
 * per shared object and refuse what grows far beyond the text.
 */
function checkAliasExpansion(values: unknown[], textLength: number): void {
  const memo = new Map<object, number>();
  const limit = Math.max(MAX_ALIAS_EXPANSION, textLength);
  const size = (value: unknown): number => {
    if (value === null || typeof value !== 'object') return 1;
    const known = memo.get(value);
    if (known !== undefined) return known;
    memo.set(value, Infinity); // a cycle counts as unbounded
    let total = 1;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      total += size(child);
      if (total > limit) break;
    }
    memo.set(value, total);
    return total;
  };
  let total = 0;
  for (const value of values) {
    total += size(value);
    if (total > limit) throw new TextProblem(`its aliases (*name) expand to more than ${limit.toLocaleString('en-US')} values — an alias bomb, not kubectl output`);
  }
}

function parseYaml(text: string, lineOffset = 0): unknown[] {
  const values: unknown[] = [];
  try {
    loadAll(text, (value) => values.push(value), YAML_OPTIONS);
  } catch (error) {
    if (error instanceof YAMLException) {
      const mark = (error as YAMLException & { mark?: { line: number; column: number } }).mark;
      throw new TextProblem(quoted(error.reason ?? error.message), mark ? mark.line + 1 + lineOffset : undefined, mark ? mark.column + 1 : undefined);
    }
    if (error instanceof RangeError) throw new TextProblem('nested too deeply to read');
    throw error;
  }
  if (MAY_HOLD_ANCHOR.test(text) && MAY_HOLD_ALIAS.test(text)) checkAliasExpansion(values, text.length);
  return values;
}

const TOP_LEVEL_KEY = /^(?:"([^"]*)"|'([^']*)'|([^\s#'"\-?:,[\]{}&*!|>%@`][^:#]*?))[ \t]*:(?:[ \t\r]|$)/;
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?:[ \t\r]|$)/;

/**
 * `kubectl get a -o yaml > f; kubectl get b -o yaml >> f` gives one YAML document whose top-level
 * keys repeat (`apiVersion`, `items`, `kind`, `metadata` twice). Cut it where a top-level key
 * repeats; every piece must then be a complete object (`apiVersion` and `kind`), otherwise the
 * duplicate is genuine and the caller reports it. Pieces carry their first line for messages.
 */
function splitConcatenatedOutputs(text: string): Array<{ text: string; firstLine: number }> | undefined {
  const lines = text.split('\n');
  const pieces: Array<{ start: number; keys: Set<string> }> = [{ start: 0, keys: new Set() }];
  let split = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (DOCUMENT_MARKER.test(line)) {
      pieces.push({ start: index, keys: new Set() });
      continue;
    }
    const match = TOP_LEVEL_KEY.exec(line);
    if (!match) continue;
    const key = (match[1] ?? match[2] ?? match[3]).trim();
    const current = pieces[pieces.length - 1];
    if (current.keys.has(key)) {
      pieces.push({ start: index, keys: new Set([key]) });
      split = true;
    } else current.keys.add(key);
  }
  if (!split) return undefined;
  const objects = pieces.filter((piece) => piece.keys.size > 0);
  if (!objects.every((piece) => piece.keys.has('apiVersion') && piece.keys.has('kind'))) return undefined;
  return pieces.map((piece, index) => ({ text: lines.slice(piece.start, pieces[index + 1]?.start ?? lines.length).join('\n'), firstLine: piece.start }));
}

function readYaml(text: string): unknown[] {
  try {
    return parseYaml(text);
  } catch (error) {
    if (!(error instanceof TextProblem) || error.reason !== 'duplicated mapping key') throw error;
    const pieces = splitConcatenatedOutputs(text);
    if (!pieces) throw new TextProblem('a key appears twice in the same mapping (duplicate key)', error.line, error.column);
    return pieces.flatMap((piece) => parseYaml(piece.text, piece.firstLine));
  }
}

// ------------------------------------------------------------------------------------------------

/** Parse the text of one object file into its documents (values as plain JS; empty documents dropped). */
export function parseObjectText(text: string): unknown[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = /\S/.exec(body)?.[0];
  // JSON is YAML, but a YAML parser is many times slower on it: try JSON first when it may be JSON.
  const values = (first === '{' || first === '[' ? readJson(body) : undefined) ?? readYaml(body);
  return values.filter((value) => value !== null && value !== undefined);
}

/** Parse one file into its documents (values as plain JS; comment-only documents dropped). */
export function readObjectsFromFile(file: string, options: ReadFileOptions = {}): unknown[] {
  const prefix = options.flag ? `${options.flag}: ` : '';
  const expected = options.expected ?? EXPECTED_DEFAULT;
  let text: string;
  try {
    if (looksBinary(headOf(file))) {
      throw new AuditInputError(`${prefix}${file}, line 1: not a text file (binary content). Expected ${expected}.`);
    }
    // Bytes, then text: faster than `readFileSync(file, 'utf8')` on Node 20 (docs/performance.md).
    text = readFileSync(file).toString('utf8');
  } catch (error) {
    if (error instanceof AuditInputError) throw error;
    throw new AuditInputError(`${prefix}cannot read ${file}: ${describeError(error)}.`);
  }
  try {
    return parseObjectText(text);
  } catch (error) {
    if (!(error instanceof TextProblem)) throw new AuditInputError(`${prefix}${file}: cannot be read as YAML or JSON (${quoted(describeError(error))}). Expected ${expected}.`);
    const at = error.line !== undefined ? `, line ${error.line}${error.column !== undefined ? `, column ${error.column}` : ''}` : '';
    throw new AuditInputError(`${prefix}${file}${at}: invalid YAML/JSON (${error.reason}). Expected ${expected}.`);
  }
}
