/**
 * A Flux `HelmRelease` (helm.toolkit.fluxcd.io v2beta1/v2beta2/v2) as a source of Velero chart
 * values: `chart.spec` or `chartRef` (the version then comes from the `OCIRepository`/`HelmChart`
 * when it is in the input), `spec.values`, and `valuesFrom` ConfigMaps/Secrets resolved from the
 * input or from a kustomize `configMapGenerator`/`secretGenerator` beside the release — merged as
 * Flux does: each valuesFrom in order, then spec.values on top.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type Context, isChartVelero, isKubeObject, isPlainObject, metadataOf, nameOf, type SourceDocument, str, type Values, type ValuesLayer, type VeleroSource } from './source.ts';
import { parseValuesText, readSourceDocuments, readValuesFileLayer, setPath } from './values-files.ts';

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

export function fluxSource(context: Context, doc: SourceDocument): VeleroSource | undefined {
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
