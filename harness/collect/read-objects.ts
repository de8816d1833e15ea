/**
 * Read Kubernetes objects from files as `kubectl get -o yaml|json` writes them: a `List`,
 * multi-document YAML, single objects or JSON. Shared by the snapshot and manifests targets.
 * Anything unreadable is an AuditInputError naming the file and, where there is one, the line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { AuditInputError, describeError } from '../errors.ts';

export const OBJECT_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'];

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

/** The object files under `path` (a file, or a directory searched recursively), sorted. */
export function listObjectFiles(path: string, options: ReadFilesOptions): string[] {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new AuditInputError(`${options.flag} ${path}: no such file or directory.`);
  }
  if (stats.isFile()) return [path];
  const files: string[] = [];
  const skip = new Set(options.skipDirs ?? []);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules' || skip.has(relative(path, full))) continue;
        walk(full);
      } else if (entry.isFile() && OBJECT_FILE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) files.push(full);
    }
  };
  walk(path);
  if (files.length === 0 && !options.allowEmpty) {
    throw new AuditInputError(
      `${options.flag} ${path}: the directory holds no .yaml, .yml or .json files. Point it at the output of \`kubectl get … -o yaml\` (a file or a directory of such files).`,
    );
  }
  return files;
}

function looksBinary(buffer: Buffer): boolean {
  const sample = buffer.subarray(0, 8192);
  if (sample.includes(0)) return true;
  // Invalid UTF-8 shows up as replacement characters after a round trip.
  const text = sample.toString('utf8');
  const replacements = (text.match(/\uFFFD/g) ?? []).length;
  return replacements > 0 && replacements / Math.max(text.length, 1) > 0.01;
}

/** Parse one file into its documents (values as plain JS; comment-only documents dropped). */
export function readObjectsFromFile(file: string, options: ReadFileOptions = {}): unknown[] {
  const prefix = options.flag ? `${options.flag}: ` : '';
  const expected = options.expected ?? EXPECTED_DEFAULT;
  let buffer: Buffer;
  try {
    buffer = readFileSync(file);
  } catch (error) {
    throw new AuditInputError(`${prefix}cannot read ${file}: ${describeError(error)}.`);
  }
  if (looksBinary(buffer)) {
    throw new AuditInputError(`${prefix}${file}, line 1: not a text file (binary content). Expected ${expected}.`);
  }
  const text = buffer.toString('utf8');
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const list = Array.isArray(documents) ? documents : [documents];
  const values: unknown[] = [];
  for (const document of list) {
    const error = document.errors[0];
    if (error) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new AuditInputError(`${prefix}${file}, line ${line}, column ${col}: invalid YAML/JSON (${message}). Expected ${expected}.`);
    }
    const value = document.toJS({ maxAliasCount: 1000 });
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}
