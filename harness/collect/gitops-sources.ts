/**
 * Where a GitOps repository keeps the Velero chart's values, in every form it is written
 * (docs/manifests-gate.md "Input forms"):
 *
 * - plain chart values, and umbrella-chart values (the `velero:` key of a parent chart);
 * - a Flux `HelmRelease` (helm.toolkit.fluxcd.io v2beta1/v2beta2/v2) with `chart.spec` or
 *   `chartRef` (the version then comes from the `OCIRepository`/`HelmChart` when it is in the
 *   input), `spec.values`, and `valuesFrom` ConfigMaps/Secrets resolved from the input or from a
 *   kustomize `configMapGenerator`/`secretGenerator` beside the release — merged as Flux does:
 *   each valuesFrom in order, then spec.values on top;
 * - an Argo CD `Application` (`spec.source` or `spec.sources`) or `ApplicationSet` template with
 *   `helm.valueFiles` (relative to the repository, `$ref/…` through a `ref:` source),
 *   `helm.values` (a YAML string), `helm.valuesObject` and `helm.parameters`, merged in that order
 *   (Argo CD: valueFiles < values < valuesObject < parameters);
 * - a kustomize `Kustomization` with `helmCharts` (`valuesFile`, `additionalValuesFiles`,
 *   `valuesInline`).
 *
 * A reference that cannot be resolved (a ConfigMap that is not in the repository, a values file
 * that is not there) is named in the notes: its values are "not shown", never guessed.
 * Pure file reading; nothing is fetched.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type Document, LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import { AuditInputError } from '../errors.ts';

type Values = Record<string, unknown>;

export interface SourceDocument {
  file: string;
  value: unknown;
  document: Document;
  lineCounter: LineCounter;
}

/** One layer of values, with where it was written (for line numbers). */
export interface ValuesLayer {
  origin: string;
  values: Values;
  file?: string;
  document?: Document;
  lineCounter?: LineCounter;
  /** Path of the values inside the document (`['spec', 'values']` for a HelmRelease). */
  basePath?: Array<string | number>;
}

export type SourceForm = 'values' | 'umbrella values' | 'Flux HelmRelease' | 'Argo CD Application' | 'Argo CD ApplicationSet' | 'kustomize helmCharts';

export interface VeleroSource {
  form: SourceForm;
  /** e.g. "Flux HelmRelease velero/velero (helmrelease.yaml)". */
  description: string;
  /** Merged in order, later layers win. */
  layers: ValuesLayer[];
  /** The chart version or range the source pins; undefined = unpinned. */
  chartPin?: string;
  /** Helm release name. */
  release: string;
  /** The namespace the release installs into, when the source says. */
  namespace?: string;
  /** What could not be resolved or evaluated. */
  notes: string[];
  /** Documents this source used (wrappers, value ConfigMaps): not "ignored input". */
  consumed: unknown[];
}

function isPlainObject(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

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

const VELERO_KEYS = ['configuration', 'initContainers', 'schedules', 'deployNodeAgent', 'deployRestic', 'credentials', 'snapshotsEnabled', 'backupsEnabled', 'nodeAgent', 'upgradeCRDs'];

function isKubeObject(value: unknown): value is Values & { kind: string; apiVersion: string } {
  return isPlainObject(value) && typeof value.kind === 'string' && typeof value.apiVersion === 'string';
}

function looksLikeVeleroValues(value: unknown): value is Values {
  return isPlainObject(value) && !isKubeObject(value) && VELERO_KEYS.some((key) => key in value);
}

function isUmbrellaValues(value: unknown): value is Values {
  return isPlainObject(value) && !isKubeObject(value) && isPlainObject(value.velero) && !VELERO_KEYS.some((key) => key in value);
}

function nameOf(object: Values): string {
  const metadata = isPlainObject(object.metadata) ? object.metadata : {};
  return `${str(metadata.namespace) ? `${str(metadata.namespace)}/` : ''}${str(metadata.name) ?? '?'}`;
}

function metadataOf(object: Values): Values {
  return isPlainObject(object.metadata) ? object.metadata : {};
}

function isChartVelero(chart: unknown, repoURL?: unknown): boolean {
  const name = str(chart) ?? '';
  return name === 'velero' || /(^|\/)velero$/.test(name) || (/velero/.test(name) && /vmware-tanzu|velero/.test(str(repoURL) ?? ''));
}

/** YAML text → values map, or a note saying why not. */
function parseValuesText(text: string, origin: string, notes: string[]): Values | undefined {
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

function readValuesFileLayer(path: string, origin: string, notes: string[]): ValuesLayer | undefined {
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

function setPath(target: Values, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Values;
  }
  node[parts[parts.length - 1]] = value;
}

interface Context {
  documents: SourceDocument[];
  /** The repository root for Argo CD valueFiles (`--repo`, else the input's directory). */
  repoDir?: string;
}

// ------------------------------------------------------------------------------- Flux

function ociVersion(context: Context, kind: string, name: string): string | undefined {
  const source = context.documents.map((d) => d.value).find((v) => isKubeObject(v) && v.kind === kind && str(metadataOf(v).name) === name) as Values | undefined;
  if (!source || !isPlainObject(source.spec)) return undefined;
  const spec = source.spec;
  if (kind === 'OCIRepository' && isPlainObject(spec.ref)) return str(spec.ref.tag) ?? str(spec.ref.semver);
  if (kind === 'HelmChart') return str(spec.version);
  return undefined;
}

/** The ConfigMap/Secret named by a valuesFrom entry: from the input, or from a kustomize generator beside the release. */
function resolveValuesFrom(context: Context, releaseFile: string, ref: Values, notes: string[], consumed: unknown[]): ValuesLayer | undefined {
  const kind = str(ref.kind) ?? 'ConfigMap';
  const name = str(ref.name) ?? '?';
  const key = str(ref.valuesKey) ?? 'values.yaml';
  const origin = `valuesFrom ${kind} ${name} (key ${key})`;
  const optional = ref.optional === true;
  const object = context.documents.find((d) => isKubeObject(d.value) && d.value.kind === kind && str(metadataOf(d.value).name) === name);
  if (object) {
    consumed.push(object.value);
    const data = object.value as Values;
    let text = isPlainObject(data.data) ? str(data.data[key]) : undefined;
    if (kind === 'Secret') {
      text = isPlainObject(data.stringData) ? str(data.stringData[key]) : undefined;
      if (text === undefined && isPlainObject(data.data) && str(data.data[key])) text = Buffer.from(String(data.data[key]), 'base64').toString('utf8');
    }
    if (text === undefined) {
      notes.push(`${origin}: ${kind} ${name} has no key ${key}${optional ? ' (optional)' : ''}: no values from it.`);
      return undefined;
    }
    const values = parseValuesText(text, origin, notes);
    return values ? { origin, values: wrapTarget(values, ref) } : undefined;
  }
  // kustomize configMapGenerator / secretGenerator in a kustomization beside the release.
  const generatorKey = kind === 'Secret' ? 'secretGenerator' : 'configMapGenerator';
  const kustomizations = [
    ...context.documents.filter((d) => isKubeObject(d.value) && d.value.kind === 'Kustomization' && String(d.value.apiVersion).startsWith('kustomize.config.k8s.io')),
    ...siblingKustomizations(releaseFile, context),
  ];
  for (const kustomization of kustomizations) {
    const generators = (kustomization.value as Values)[generatorKey];
    if (!Array.isArray(generators)) continue;
    const generator = generators.find((g) => isPlainObject(g) && str(g.name) === name) as Values | undefined;
    if (!generator) continue;
    consumed.push(kustomization.value);
    for (const entry of Array.isArray(generator.files) ? generator.files.map(String) : []) {
      const [fileKey, filePath] = entry.includes('=') ? [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] : [basename(entry), entry];
      if (fileKey !== key) continue;
      const layer = readValuesFileLayer(resolve(dirname(kustomization.file), filePath), `${origin} from ${generatorKey} file ${filePath}`, notes);
      if (layer) layer.values = wrapTarget(layer.values, ref);
      return layer;
    }
    notes.push(`${origin}: the ${generatorKey} ${name} in ${kustomization.file} has no file for key ${key}: no values from it.`);
    return undefined;
  }
  notes.push(
    `${origin} is not in the input (neither the object nor a kustomize ${generatorKey} beside the HelmRelease)${optional ? ' and is optional' : ''}: the values it holds are not shown, and the configuration is judged without them. Pass the directory that holds it.`,
  );
  return undefined;
}

function wrapTarget(values: Values, ref: Values): Values {
  const targetPath = str(ref.targetPath);
  if (!targetPath) return values;
  const out: Values = {};
  setPath(out, targetPath, values);
  return out;
}

function siblingKustomizations(file: string, context: Context): SourceDocument[] {
  const out: SourceDocument[] = [];
  for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    const path = join(dirname(file), name);
    if (context.documents.some((d) => d.file === path) || !existsSync(path)) continue;
    try {
      out.push(...readSourceDocuments(path, 'kustomization').filter((d) => isPlainObject(d.value)));
    } catch {
      // An unreadable neighbour is not the input's fault: the valuesFrom note says what is missing.
    }
  }
  return out;
}

function fluxSource(context: Context, doc: SourceDocument): VeleroSource | undefined {
  const object = doc.value as Values;
  const spec = isPlainObject(object.spec) ? object.spec : {};
  const chartSpec = isPlainObject(spec.chart) && isPlainObject(spec.chart.spec) ? spec.chart.spec : undefined;
  const chartRef = isPlainObject(spec.chartRef) ? spec.chartRef : undefined;
  const metadata = metadataOf(object);
  const velero = chartSpec ? isChartVelero(chartSpec.chart) : /velero/.test(str(chartRef?.name) ?? '') || /velero/.test(str(metadata.name) ?? '');
  if (!velero) return undefined;
  const notes: string[] = [];
  const consumed: unknown[] = [object];
  // The chart's source object (HelmRepository, OCIRepository, HelmChart) is read too.
  const sourceName = str(chartRef?.name) ?? (isPlainObject(chartSpec?.sourceRef) ? str(chartSpec.sourceRef.name) : undefined);
  for (const d of context.documents) {
    if (isKubeObject(d.value) && ['HelmRepository', 'OCIRepository', 'HelmChart'].includes(d.value.kind) && str(metadataOf(d.value).name) === sourceName) consumed.push(d.value);
  }
  let chartPin = chartSpec ? str(chartSpec.version) : undefined;
  if (chartRef) {
    chartPin = ociVersion(context, str(chartRef.kind) ?? 'OCIRepository', str(chartRef.name) ?? '');
    if (chartPin === undefined) notes.push(`The chart comes from ${str(chartRef.kind) ?? 'a source'} ${str(chartRef.name) ?? '?'} (chartRef), which is not in the input: its version is not known.`);
  }
  const layers: ValuesLayer[] = [];
  if (Array.isArray(spec.valuesFrom)) {
    for (const ref of spec.valuesFrom) if (isPlainObject(ref)) {
      const layer = resolveValuesFrom(context, doc.file, ref, notes, consumed);
      if (layer) layers.push(layer);
    }
  }
  if (isPlainObject(spec.values)) layers.push({ origin: `spec.values of HelmRelease ${nameOf(object)}`, values: spec.values, file: doc.file, document: doc.document, lineCounter: doc.lineCounter, basePath: ['spec', 'values'] });
  const targetNamespace = str(spec.targetNamespace);
  const name = str(metadata.name) ?? 'velero';
  return {
    form: 'Flux HelmRelease',
    description: `Flux HelmRelease ${nameOf(object)} (${object.apiVersion}) in ${doc.file}`,
    layers,
    chartPin,
    // Flux's default release name is `[<targetNamespace>-]<name>`.
    release: str(spec.releaseName) ?? (targetNamespace ? `${targetNamespace}-${name}` : name),
    namespace: targetNamespace ?? str(metadata.namespace),
    notes,
    consumed,
  };
}

// ------------------------------------------------------------------------------- Argo CD

function argoSource(context: Context, doc: SourceDocument, appSpec: Values, form: SourceForm, basePath: Array<string | number>): VeleroSource | undefined {
  const object = doc.value as Values;
  const sources: Values[] = Array.isArray(appSpec.sources) ? appSpec.sources.filter(isPlainObject) : isPlainObject(appSpec.source) ? [appSpec.source] : [];
  const index = sources.findIndex((source) => isChartVelero(source.chart, source.repoURL) || (/velero/.test(str(source.path) ?? '') && isPlainObject(source.helm)));
  if (index < 0) return undefined;
  const source = sources[index];
  const sourcePath = Array.isArray(appSpec.sources) ? [...basePath, 'sources', index] : [...basePath, 'source'];
  const helm = isPlainObject(source.helm) ? source.helm : {};
  const notes: string[] = [];
  const layers: ValuesLayer[] = [];
  const repoDir = context.repoDir ?? dirname(doc.file);
  for (const entry of Array.isArray(helm.valueFiles) ? helm.valueFiles.map(String) : []) {
    let path: string | undefined;
    const ref = /^\$([^/]+)\/(.*)$/.exec(entry);
    if (ref) {
      const refSource = sources.find((s) => str(s.ref) === ref[1]);
      if (!refSource) notes.push(`helm.valueFiles ${entry}: no source has ref: ${ref[1]}; its values are not shown.`);
      else path = resolve(repoDir, ref[2]);
    } else if (str(source.path)) {
      path = resolve(repoDir, str(source.path)!, entry);
    } else {
      notes.push(`helm.valueFiles ${entry} lives inside the chart package (a chart from a Helm repository): its values are not shown.`);
    }
    if (path) {
      const layer = readValuesFileLayer(path, `helm.valueFiles ${entry}`, notes);
      if (layer) layers.push(layer);
    }
  }
  const valuesText = str(helm.values);
  if (valuesText !== undefined) {
    const values = parseValuesText(valuesText, `helm.values of ${form} ${nameOf(object)}`, notes);
    if (values) layers.push({ origin: `helm.values of ${form} ${nameOf(object)}`, values, file: doc.file });
  } else if (isPlainObject(helm.values)) {
    layers.push({ origin: `helm.values of ${form} ${nameOf(object)}`, values: helm.values, file: doc.file, document: doc.document, lineCounter: doc.lineCounter, basePath: [...sourcePath, 'helm', 'values'] });
  }
  if (isPlainObject(helm.valuesObject)) {
    layers.push({ origin: `helm.valuesObject of ${form} ${nameOf(object)}`, values: helm.valuesObject, file: doc.file, document: doc.document, lineCounter: doc.lineCounter, basePath: [...sourcePath, 'helm', 'valuesObject'] });
  }
  if (Array.isArray(helm.parameters)) {
    const parameters: Values = {};
    for (const parameter of helm.parameters) if (isPlainObject(parameter) && str(parameter.name)) setPath(parameters, str(parameter.name)!, parameter.value);
    layers.push({ origin: `helm.parameters of ${form} ${nameOf(object)}`, values: parameters, file: doc.file });
  }
  const destination = isPlainObject(appSpec.destination) ? appSpec.destination : {};
  const name = str(metadataOf(object).name) ?? 'velero';
  return {
    form,
    description: `${form} ${nameOf(object)} in ${doc.file}`,
    layers,
    chartPin: source.chart ? str(source.targetRevision) : undefined,
    release: str(helm.releaseName) ?? name,
    namespace: str(destination.namespace),
    notes: source.chart ? notes : [...notes, `The chart comes from the git path ${str(source.path)}: its version is not known.`],
    consumed: [object],
  };
}

// ------------------------------------------------------------------------------- kustomize

function kustomizeSource(doc: SourceDocument): VeleroSource | undefined {
  const object = doc.value as Values;
  const charts = Array.isArray(object.helmCharts) ? object.helmCharts : [];
  const chart = charts.find((c) => isPlainObject(c) && isChartVelero(c.name, c.repo)) as Values | undefined;
  if (!chart) return undefined;
  const notes: string[] = [];
  const layers: ValuesLayer[] = [];
  const base = dirname(doc.file);
  const files = [str(chart.valuesFile), ...(Array.isArray(chart.additionalValuesFiles) ? chart.additionalValuesFiles.map(String) : [])].filter((f): f is string => Boolean(f));
  for (const file of files) {
    const layer = readValuesFileLayer(resolve(base, file), `helmCharts valuesFile ${file}`, notes);
    if (layer) layers.push(layer);
  }
  if (isPlainObject(chart.valuesInline)) {
    const index = charts.indexOf(chart);
    layers.push({ origin: 'helmCharts valuesInline', values: chart.valuesInline, file: doc.file, document: doc.document, lineCounter: doc.lineCounter, basePath: ['helmCharts', index, 'valuesInline'] });
  }
  return {
    form: 'kustomize helmCharts',
    description: `kustomize helmCharts entry ${str(chart.name)} in ${doc.file}`,
    layers,
    chartPin: str(chart.version),
    release: str(chart.releaseName) ?? str(chart.name) ?? 'velero',
    namespace: str(chart.namespace) ?? str(object.namespace),
    notes,
    consumed: [object],
  };
}

// ------------------------------------------------------------------------------- entry points

function umbrellaPin(file: string): string | undefined {
  for (const name of ['Chart.yaml', 'Chart.yml']) {
    const path = join(dirname(file), name);
    if (!existsSync(path)) continue;
    try {
      const chart = parseDocument(readFileSync(path, 'utf8')).toJS() as Values;
      const dependency = (Array.isArray(chart?.dependencies) ? chart.dependencies : []).find((d: unknown) => isPlainObject(d) && str(d.name) === 'velero') as Values | undefined;
      return str(dependency?.version);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export interface FindOptions {
  repoDir?: string;
  /** Plain (non-object) documents count as chart values: true for --values. */
  plainValues: boolean;
}

/** Every source of Velero chart values among the documents, wrappers first. */
export function findVeleroSources(documents: SourceDocument[], options: FindOptions): VeleroSource[] {
  const context: Context = { documents, repoDir: options.repoDir };
  const sources: VeleroSource[] = [];
  for (const doc of documents) {
    const value = doc.value;
    if (!isKubeObject(value)) continue;
    const apiVersion = String(value.apiVersion);
    let source: VeleroSource | undefined;
    if (value.kind === 'HelmRelease' && apiVersion.startsWith('helm.toolkit.fluxcd.io/')) source = fluxSource(context, doc);
    else if (value.kind === 'Application' && apiVersion.startsWith('argoproj.io/') && isPlainObject(value.spec)) source = argoSource(context, doc, value.spec, 'Argo CD Application', ['spec']);
    else if (value.kind === 'ApplicationSet' && apiVersion.startsWith('argoproj.io/') && isPlainObject(value.spec) && isPlainObject(value.spec.template) && isPlainObject(value.spec.template.spec)) {
      source = argoSource(context, doc, value.spec.template.spec, 'Argo CD ApplicationSet', ['spec', 'template', 'spec']);
      source?.notes.push('An ApplicationSet template: generator parameters ({{ … }}) are not evaluated, and values that use them are not shown.');
    } else if (value.kind === 'Kustomization' && apiVersion.startsWith('kustomize.config.k8s.io')) source = kustomizeSource(doc);
    if (source) sources.push(source);
  }
  // Plain values not already taken by a wrapper.
  const used = new Set(sources.flatMap((source) => source.layers.map((layer) => layer.file)).filter(Boolean));
  for (const doc of documents) {
    if (used.has(doc.file) && !isKubeObject(doc.value)) continue;
    if (isUmbrellaValues(doc.value) && (options.plainValues || looksLikeVeleroValues(doc.value.velero))) {
      sources.push({
        form: 'umbrella values',
        description: `umbrella-chart values (key velero:) in ${doc.file}`,
        layers: [{ origin: `velero: in ${doc.file}`, values: doc.value.velero as Values, file: doc.file, document: doc.document, lineCounter: doc.lineCounter, basePath: ['velero'] }],
        chartPin: umbrellaPin(doc.file),
        release: 'velero',
        notes: [],
        consumed: [doc.value],
      });
    } else if (looksLikeVeleroValues(doc.value) || (options.plainValues && isPlainObject(doc.value) && !isKubeObject(doc.value))) {
      sources.push({
        form: 'values',
        description: `Helm values ${doc.file}`,
        layers: [{ origin: doc.file, values: doc.value as Values, file: doc.file, document: doc.document, lineCounter: doc.lineCounter }],
        chartPin: undefined,
        release: 'velero',
        notes: [],
        consumed: [doc.value],
      });
    }
  }
  return sources;
}
