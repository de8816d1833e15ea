/**
 * Reading values where a source points: YAML/JSON files (with their parse trees, for line
 * numbers) and YAML text embedded in an object. What cannot be read is a note, never a guess.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import { AuditInputError } from '../../errors.ts';
import { isPlainObject, type SourceDocument, type Values, type ValuesLayer } from './source.ts';

/** Every document of a YAML/JSON file, with its parse tree for line numbers. */
export function readSourceDocuments(file: string, flag: string): SourceDocument[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new AuditInputError(`${flag} ${file} cannot be read.`);
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [documents];
  const out: SourceDocument[] = [];
  for (const document of list) {
    const error = document.errors[0];
    if (error) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new AuditInputError(`${flag} ${file}, line ${line}, column ${col}: invalid YAML (${message}).`);
    }
    const value = document.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) continue;
    out.push({ file, value, document, lineCounter });
  }
  return out;
}

/** YAML text → values map, or a note saying why not. */
export function parseValuesText(text: string, origin: string, notes: string[]): Values | undefined {
  if (/\{\{.*\}\}/s.test(text) && /\{\{\s*[.$]/.test(text)) {
    notes.push(`${origin} is a template ({{ … }}): the values it yields cannot be evaluated without rendering — they are not shown.`);
  }
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length) {
    notes.push(`${origin} is not valid YAML (${document.errors[0].message.split('\n')[0]}): its values are not shown.`);
    return undefined;
  }
  const values = document.toJS() ?? {};
  if (!isPlainObject(values)) {
    notes.push(`${origin} is not a map of chart values: ignored.`);
    return undefined;
  }
  return values;
}

export function readValuesFileLayer(path: string, origin: string, notes: string[]): ValuesLayer | undefined {
  if (!existsSync(path) || !statSync(path).isFile()) {
    notes.push(`${origin}: ${path} is not in the input, so its values are not shown.`);
    return undefined;
  }
  const docs = readSourceDocuments(path, 'values file');
  const doc = docs.find((d) => isPlainObject(d.value));
  if (!doc) {
    notes.push(`${origin}: ${path} holds no map of values.`);
    return undefined;
  }
  return { origin, values: doc.value as Values, file: path, document: doc.document, lineCounter: doc.lineCounter };
}

export function setPath(target: Values, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Values;
  }
  node[parts[parts.length - 1]] = value;
}
