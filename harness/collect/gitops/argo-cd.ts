/**
 * An Argo CD `Application` (`spec.source` or `spec.sources`) or `ApplicationSet` template as a
 * source of Velero chart values: `helm.valueFiles` (relative to the repository, `$ref/…` through a
 * `ref:` source), `helm.values` (a YAML string), `helm.valuesObject` and `helm.parameters`, merged
 * in that order (Argo CD: valueFiles < values < valuesObject < parameters).
 */
import { dirname, resolve } from 'node:path';
import { type Context, isChartVelero, isPlainObject, metadataOf, nameOf, type SourceDocument, type SourceForm, str, type Values, type ValuesLayer, type VeleroSource } from './source.ts';
import { parseValuesText, readValuesFileLayer, setPath } from './values-files.ts';

export function argoSource(context: Context, doc: SourceDocument, appSpec: Values, form: SourceForm, basePath: Array<string | number>): VeleroSource | undefined {
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
