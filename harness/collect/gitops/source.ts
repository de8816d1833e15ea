/**
 * What a source of Velero chart values is (its form, its layers of values with where they were
 * written, the chart pin, release and namespace), and the small readers of Kubernetes-shaped YAML
 * every form shares.
 */
import type { Document, LineCounter } from 'yaml';

export type Values = Record<string, unknown>;

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

export function isPlainObject(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

export function isKubeObject(value: unknown): value is Values & { kind: string; apiVersion: string } {
  return isPlainObject(value) && typeof value.kind === 'string' && typeof value.apiVersion === 'string';
}

export function nameOf(object: Values): string {
  const metadata = isPlainObject(object.metadata) ? object.metadata : {};
  return `${str(metadata.namespace) ? `${str(metadata.namespace)}/` : ''}${str(metadata.name) ?? '?'}`;
}

export function metadataOf(object: Values): Values {
  return isPlainObject(object.metadata) ? object.metadata : {};
}

export function isChartVelero(chart: unknown, repoURL?: unknown): boolean {
  const name = str(chart) ?? '';
  return name === 'velero' || /(^|\/)velero$/.test(name) || (/velero/.test(name) && /vmware-tanzu|velero/.test(str(repoURL) ?? ''));
}

export interface Context {
  documents: SourceDocument[];
  /** The repository root for Argo CD valueFiles (`--repo`, else the input's directory). */
  repoDir?: string;
}
