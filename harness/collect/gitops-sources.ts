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
 *
 * Each wrapper form is read by its own module under gitops/; this module finds the sources among
 * the documents and reads plain and umbrella-chart values itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { argoSource } from './gitops/argo-cd.ts';
import { fluxSource } from './gitops/flux.ts';
import { kustomizeSource } from './gitops/kustomize.ts';
import { type Context, isKubeObject, isPlainObject, type SourceDocument, str, type Values, type VeleroSource } from './gitops/source.ts';

const VELERO_KEYS = ['configuration', 'initContainers', 'schedules', 'deployNodeAgent', 'deployRestic', 'credentials', 'snapshotsEnabled', 'backupsEnabled', 'nodeAgent', 'upgradeCRDs'];

function looksLikeVeleroValues(value: unknown): value is Values {
  return isPlainObject(value) && !isKubeObject(value) && VELERO_KEYS.some((key) => key in value);
}

function isUmbrellaValues(value: unknown): value is Values {
  return isPlainObject(value) && !isKubeObject(value) && isPlainObject(value.velero) && !VELERO_KEYS.some((key) => key in value);
}

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
