/** A kustomize `Kustomization` with `helmCharts` as a source of Velero chart values (`valuesFile`, `additionalValuesFiles`, `valuesInline`). */
import { dirname, resolve } from 'node:path';
import { isChartVelero, isPlainObject, type SourceDocument, str, type Values, type ValuesLayer, type VeleroSource } from './source.ts';
import { readValuesFileLayer } from './values-files.ts';

export function kustomizeSource(doc: SourceDocument): VeleroSource | undefined {
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
