/**
 * `kubectl get … -o yaml|json` inside any input: a whole file of objects (Lists, multi-document
 * YAML, single objects, JSON), or YAML pasted between other outputs. A document that does not
 * parse (a paste cut inside a string) is reported with its line and contributes nothing: a
 * truncated object must never stand for a whole one (its phase may be cut off).
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { flattenLists, isKubeObject } from '../collect/objects.ts';
import type { KubeObject } from '../state.ts';

export interface ParsedObjects {
  objects: Array<{ object: KubeObject; line: number }>;
  /** Parsed mappings that are not Kubernetes objects (fragments such as a pasted `status:` block). */
  fragments: Array<{ value: Record<string, unknown>; line: number }>;
  problems: string[];
}

/** Objects in YAML/JSON text; `lineOffset` maps the text's first line onto the file's. */
export function parseObjects(text: string, source: string, lineOffset = 0): ParsedObjects {
  const result: ParsedObjects = { objects: [], fragments: [], problems: [] };
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const value = JSON.parse(text);
      const leading = text.length - trimmed.length;
      const line = lineOffset + text.slice(0, leading).split('\n').length;
      for (const item of flattenLists(Array.isArray(value) ? value : [value])) {
        if (isKubeObject(item)) result.objects.push({ object: item, line });
      }
      return result;
    } catch {
      // Not whole JSON: fall through to YAML, which reads JSON documents too.
    }
  }
  const lineCounter = new LineCounter();
  let documents;
  try {
    documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  } catch (error) {
    result.problems.push(`${source}: not YAML (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
    return result;
  }
  const list = Array.isArray(documents) ? documents : [documents];
  for (const document of list) {
    const start = lineOffset + lineCounter.linePos(document.range[0]).line;
    if (document.errors.length > 0) {
      const error = document.errors[0];
      const { line, col } = lineCounter.linePos(error.pos[0]);
      result.problems.push(`${source}, line ${lineOffset + line}, column ${col}: invalid YAML/JSON, cut off or malformed (${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}); the document was not read`);
      continue;
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      result.problems.push(`${source}, line ${start}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}; the document was not read`);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    let any = false;
    for (const item of flattenLists([value])) {
      if (isKubeObject(item)) {
        result.objects.push({ object: item, line: start });
        any = true;
      }
    }
    if (!any && !Array.isArray(value)) result.fragments.push({ value: value as Record<string, unknown>, line: start });
  }
  return result;
}

/** Text that is meant to be YAML/JSON objects (sniffed from the content, not the file name). */
export function looksLikeObjects(text: string): boolean {
  const head = text.slice(0, 4096).trimStart();
  if (head.startsWith('{') || head.startsWith('[')) return /"(kind|apiVersion|items)"\s*:/.test(head);
  return /^(?:---\s*\n)?(?:#[^\n]*\n)*(apiVersion|kind|items|metadata):/m.test(head) && /^(apiVersion|kind|items):/m.test(head);
}
