/**
 * Helm values of the Velero chart (vmware-tanzu/velero 12.1.0, docs/velero-facts.md §5) without Helm:
 * read a values file, merge it over the chart's defaults as Helm does, redact its secrets,
 * validate it against the chart's values.schema.json and name the keys the chart does not have.
 * What the chart renders from the merged values is chart-render.ts.
 */
import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { AuditInputError, describeError } from '../errors.ts';
import { chartReference, type ChartReference } from './chart-reference.ts';
import { getPath, isPlainObject, type Values } from './helm-template.ts';
import { REDACTED } from '../redact.ts';
import type { ValuesProblem } from './manifests-types.ts';

/**
 * Helm's coalescing of user values over chart defaults: maps merge key by key, lists and
 * scalars replace, and a `null` user value deletes the default key.
 */
export function mergeValues(defaults: Values, given: Values): Values {
  const out: Values = structuredClone(defaults);
  for (const [key, value] of Object.entries(given)) {
    if (value === null) delete out[key];
    else if (isPlainObject(value) && isPlainObject(out[key])) out[key] = mergeValues(out[key] as Values, value);
    else out[key] = structuredClone(value);
  }
  return out;
}

/** Values with every secret value replaced by REDACTED (key names kept). */
export function redactValues(values: Values): Values {
  const out = structuredClone(values);
  const credentials = out.credentials;
  if (isPlainObject(credentials)) {
    for (const field of ['secretContents', 'extraEnvVars']) {
      const map = credentials[field];
      if (isPlainObject(map)) credentials[field] = Object.fromEntries(Object.keys(map).map((key) => [key, REDACTED]));
    }
  }
  return out;
}

export interface ValuesFile {
  file: string;
  values: Values;
  document: Document;
  lineCounter: LineCounter;
}

/** Read and parse a values file; unreadable or invalid YAML is an AuditInputError with the line. */
export function readValuesFile(file: string): ValuesFile {
  let text: string;
  try {
    const buffer = readFileSync(file);
    if (buffer.subarray(0, 8192).includes(0)) throw new AuditInputError(`--values ${file} is not a text file (binary content): expected a Helm values YAML file.`);
    text = buffer.toString('utf8');
  } catch (error) {
    if (error instanceof AuditInputError) throw error;
    throw new AuditInputError(`--values ${file} cannot be read: ${describeError(error)}.`);
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const error = document.errors[0];
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new AuditInputError(`--values ${file}, line ${line}, column ${col}: invalid YAML (${message}). Expected a Helm values file for the velero chart.`);
  }
  const values = document.toJS({ maxAliasCount: 1000 }) ?? {};
  if (!isPlainObject(values)) {
    throw new AuditInputError(`--values ${file}: expected a YAML mapping of chart values (image:, configuration:, …), found ${Array.isArray(values) ? 'a list' : typeof values}.`);
  }
  return { file, values, document, lineCounter };
}

function lineOf(valuesFile: ValuesFile | undefined, pointer: string): number | undefined {
  if (!valuesFile) return undefined;
  const path = pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  // Walk up until a node the user wrote is found (the failing value may come from the defaults).
  for (let length = path.length; length > 0; length--) {
    const node = valuesFile.document.getIn(path.slice(0, length), true) as { range?: [number, number, number] } | undefined;
    if (node && (isMap(node) || isSeq(node) || isScalar(node)) && node.range) return valuesFile.lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

function describeAjvError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return `is missing the required key "${String(params.missingProperty)}"`;
  if (error.keyword === 'type') return `must be ${String(params.type).replace(',', ' or ')}`;
  if (error.keyword === 'const') return `must be ${JSON.stringify(params.allowedValue)}`;
  return error.message ?? 'is invalid';
}

/** Problems of merged values against the chart's values.schema.json (Helm refuses to render them). */
export function valuesSchemaProblems(merged: Values, valuesFile?: ValuesFile, chart: ChartReference = chartReference()): ValuesProblem[] {
  const { validate } = chart;
  if (!validate || validate(merged)) return [];
  const problems: ValuesProblem[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    // oneOf/dependency wrappers repeat their inner errors: keep the specific ones.
    if (error.keyword === 'oneOf' || error.keyword === 'dependencies' || error.keyword === 'if') continue;
    const path = error.instancePath || '/';
    const message = describeAjvError(error);
    const key = `${path} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, message, line: lineOf(valuesFile, error.instancePath) });
  }
  return problems;
}

/** Maps whose keys the chart reads one by one (free-form maps such as `podAnnotations` are not). */
const CLOSED_MAPS = ['', 'configuration', 'credentials', 'nodeAgent', 'restic', 'image', 'serviceAccount', 'serviceAccount.server', 'metrics', 'kubectl', 'rbac'];

export interface UnknownKey {
  /** Dotted path, e.g. `configuration.backupRetentionPeriod` or `schedules.daily.ttl`. */
  path: string;
}

/**
 * Keys in the given values that this chart release does not have: not among its defaults and
 * named by none of its templates, so Helm accepts them (the schema, where there is one, allows
 * extra properties) and they change nothing. Checked in the maps the chart reads key by key,
 * each schedule, and each storage/snapshot location.
 */
export function unknownValuesKeys(given: Values, chart: ChartReference): UnknownKey[] {
  const found: UnknownKey[] = [];
  // Top-level keys must be read as `.Values.<key>`; nested ones may be read relative to a `with`.
  const known = (key: string, defaults: unknown, path: string) =>
    (isPlainObject(defaults) && key in defaults) || (path === '' ? chart.templateValues.has(key) : chart.templateWords.has(key));
  const check = (node: unknown, defaults: unknown, path: string) => {
    if (!isPlainObject(node)) return;
    for (const key of Object.keys(node)) if (!known(key, defaults, path)) found.push({ path: path ? `${path}.${key}` : key });
  };
  for (const path of CLOSED_MAPS) {
    const node = path ? getPath(given, path) : given;
    const defaults = path ? getPath(chart.defaults, path) : chart.defaults;
    if (path !== '' && !isPlainObject(defaults)) continue;
    check(node, defaults, path);
  }
  const schedules = getPath(given, 'schedules');
  if (isPlainObject(schedules)) for (const [name, schedule] of Object.entries(schedules)) check(schedule, {}, `schedules.${name}`);
  for (const key of ['backupStorageLocation', 'volumeSnapshotLocation']) {
    const defaultsRaw = getPath(chart.defaults, `configuration.${key}`);
    const defaultItem = Array.isArray(defaultsRaw) ? defaultsRaw[0] : defaultsRaw;
    const raw = getPath(given, `configuration.${key}`);
    if (Array.isArray(raw)) raw.forEach((item, index) => check(item, defaultItem, `configuration.${key}[${index}]`));
    else check(raw, defaultItem, `configuration.${key}`);
  }
  return found;
}
