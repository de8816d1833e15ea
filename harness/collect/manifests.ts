/**
 * The manifests target's collector (issue 5): the rendered output of a GitOps repository
 * (kubenix `make manifests`, `helm template`, `kustomize build`) and/or a Helm values file,
 * reduced to a State with source.target 'manifests'. Synchronous; opens no network connection.
 *
 * - `paths`: files or directories (searched recursively for .yaml/.yml/.json; dot-directories and
 *   node_modules skipped); multi-document YAML, `List`s and JSON are read. A file named explicitly
 *   is read whatever its extension.
 * - `valuesFile`: Velero chart values. They are merged over the chart defaults, validated against
 *   the chart's values.schema.json, and — when the rendered input holds none of the chart's objects
 *   (no `velero` Deployment, `node-agent` DaemonSet, BackupStorageLocation or Schedule) — turned into
 *   the objects the chart would render (see chart-values.ts for the mapping), so the same judges
 *   work on a bare values file. Without --values, a Flux HelmRelease of the velero chart in the
 *   rendered input supplies the values.
 * - `repoDir`: facts about the GitOps repository for the secrets guardrail (repo-facts.ts).
 *
 * Input the user must fix — unreadable files, invalid YAML (with file, line and column), binary
 * files, nothing Kubernetes-shaped — is an AuditInputError.
 */
import { AuditInputError, describeError } from '../errors.ts';
import type { BackupPlan } from '../plan.ts';
import { crdProblems } from '../schema/crds.ts';
import type { KubeObject, State } from '../state.ts';
import { chartReference, mergeValues, readValuesFile, redactValues, renderFromValues, valuesSchemaProblems, type ValuesFile } from './chart-values.ts';
import type { ManifestsExtras, ManifestsMode, ObjectProblems, ValuesInfo } from './manifests-types.ts';
import { buildState, flattenLists, isKubeObject } from './objects.ts';
import { collectRepoFacts } from './repo-facts.ts';
import { listObjectFiles, readObjectsFromFile } from './read-objects.ts';

export { OBJECT_FILE_EXTENSIONS as MANIFEST_FILE_EXTENSIONS } from './read-objects.ts';

export interface CollectManifestsOptions {
  /** Files or directories of rendered manifests (may be empty when `valuesFile` is given). */
  paths: string[];
  /** A Helm values file for the velero chart (`--values`). */
  valuesFile?: string;
  /** The GitOps repository root (`--repo`). */
  repoDir?: string;
  plan: BackupPlan;
  /** Helm release name used to name derived objects (`<release>-<key>` schedules); default `velero`. */
  release?: string;
}

const MANIFESTS_EXPECTED = 'rendered Kubernetes manifests (YAML or JSON) such as `helm template`, `kustomize build` or kubenix write them';

/** Manifest files under a path (recursive for directories), sorted for stable output. */
export function listManifestFiles(path: string): string[] {
  return listObjectFiles(path, { flag: '--manifests', allowEmpty: true });
}

/** Every document of one manifest file as plain JS. */
export function readManifestFile(file: string): unknown[] {
  return readObjectsFromFile(file, { flag: '--manifests', expected: MANIFESTS_EXPECTED });
}

/** Objects the chart renders: their presence means the rendered input is authoritative. */
function isChartObject(object: KubeObject): boolean {
  if (object.kind === 'Deployment' && object.metadata.name === 'velero') return true;
  if (object.kind === 'DaemonSet' && object.metadata.name === 'node-agent') return true;
  return typeof object.apiVersion === 'string' && object.apiVersion.startsWith('velero.io/') && ['BackupStorageLocation', 'Schedule'].includes(object.kind);
}

/** A Flux HelmRelease of the velero chart, if the rendered input holds one. */
function findVeleroHelmRelease(objects: KubeObject[]): KubeObject | undefined {
  return objects.find((object) => {
    if (object.kind !== 'HelmRelease' || !String(object.apiVersion).startsWith('helm.toolkit.fluxcd.io/')) return false;
    const spec = (object.spec ?? {}) as { chart?: { spec?: { chart?: string } }; chartRef?: { name?: string } };
    return spec.chart?.spec?.chart === 'velero' || /velero/.test(spec.chartRef?.name ?? '');
  });
}

function describeObject(object: KubeObject): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

interface ValuesSource {
  source: string;
  given: Record<string, unknown>;
  file?: ValuesFile;
  release: string;
  namespace: string;
  notes: string[];
}

function valuesFromHelmRelease(release: KubeObject, plan: BackupPlan): ValuesSource {
  const spec = (release.spec ?? {}) as { values?: unknown; valuesFrom?: unknown[]; releaseName?: string; targetNamespace?: string };
  const notes: string[] = [];
  if (Array.isArray(spec.valuesFrom) && spec.valuesFrom.length > 0) {
    notes.push(`HelmRelease ${release.metadata.name} also takes values from ${spec.valuesFrom.length} ConfigMap/Secret reference(s) (valuesFrom), which a static check cannot read.`);
  }
  const given = typeof spec.values === 'object' && spec.values !== null && !Array.isArray(spec.values) ? (spec.values as Record<string, unknown>) : {};
  const namespace = spec.targetNamespace ?? release.metadata.namespace ?? plan.namespace;
  // Flux's default release name is `[<targetNamespace>-]<name>`.
  const name = spec.releaseName ?? (spec.targetNamespace ? `${spec.targetNamespace}-${release.metadata.name}` : release.metadata.name);
  return { source: `HelmRelease ${release.metadata.namespace ? `${release.metadata.namespace}/` : ''}${release.metadata.name}`, given, release: name, namespace, notes };
}

export function collectManifests(options: CollectManifestsOptions): State {
  const { plan } = options;
  if (options.paths.length === 0 && !options.valuesFile) {
    throw new AuditInputError('The manifests target needs --manifests <file|dir> (rendered manifests) and/or --values <file> (Helm values of the velero chart).');
  }

  const files: string[] = [];
  const rendered: unknown[] = [];
  for (const path of options.paths) {
    const found = listManifestFiles(path);
    const before = rendered.length;
    for (const file of found) rendered.push(...readManifestFile(file));
    files.push(...found);
    const objectsHere = flattenLists(rendered.slice(before)).filter(isKubeObject);
    if (objectsHere.length === 0) {
      throw new AuditInputError(
        `--manifests: no Kubernetes objects found in ${path} (${found.length === 0 ? 'no .yaml, .yml or .json files there' : `${found.length} file(s) read`}). ` +
          'Point it at rendered manifests: the output of kubenix `make manifests`, `helm template velero vmware-tanzu/velero -n velero -f values.yaml`, or `kustomize build`.',
      );
    }
  }
  const renderedObjects = flattenLists(rendered).filter(isKubeObject);

  // Values: --values, else a Flux HelmRelease of the chart in the rendered input.
  let valuesSource: ValuesSource | undefined;
  const helmRelease = findVeleroHelmRelease(renderedObjects);
  if (options.valuesFile) {
    const file = readValuesFile(options.valuesFile);
    valuesSource = { source: options.valuesFile, given: file.values, file, release: options.release ?? 'velero', namespace: plan.namespace, notes: [] };
    if (helmRelease) valuesSource.notes.push(`${describeObject(helmRelease)} in the rendered input was ignored: --values was given.`);
    files.push(options.valuesFile);
  } else if (helmRelease) {
    valuesSource = valuesFromHelmRelease(helmRelease, plan);
  }

  const all: unknown[] = [...rendered];
  let mode: ManifestsMode = 'rendered';
  let valuesInfo: ValuesInfo | undefined;
  if (valuesSource) {
    const chart = chartReference();
    const merged = mergeValues(chart.defaults, valuesSource.given);
    const schemaProblems = valuesSchemaProblems(merged, valuesSource.file);
    const authoritative = renderedObjects.some(isChartObject);
    const derived: string[] = [];
    const notes = [...valuesSource.notes];
    if (authoritative) {
      notes.push('The rendered input already holds the chart\'s objects: they are judged as rendered; the values were only validated.');
    } else {
      const result = renderFromValues(merged, { release: valuesSource.release, namespace: valuesSource.namespace });
      all.push(...result.objects);
      derived.push(...result.objects.map(describeObject));
      notes.push(...result.notes);
      mode = options.paths.length > 0 ? 'rendered+values' : 'values';
    }
    valuesInfo = {
      source: valuesSource.source,
      given: redactValues(valuesSource.given),
      merged: redactValues(merged),
      schemaProblems,
      chartVersion: chart.chartVersion,
      release: valuesSource.release,
      derived,
      notes,
    };
  }

  const description = [
    options.paths.length ? `rendered manifests ${options.paths.join(', ')}` : '',
    options.valuesFile ? `Helm values ${options.valuesFile}` : valuesInfo ? `values of ${valuesInfo.source}` : '',
    options.repoDir ? `repository ${options.repoDir}` : '',
  ]
    .filter(Boolean)
    .join(' + ');
  const state = buildState(all, {
    source: { target: 'manifests', description, files },
    namespace: plan.namespace,
    credentialKeys: [plan.credentials.key],
  });

  const crdIssues: ObjectProblems[] = [];
  for (const object of flattenLists(all).filter(isKubeObject)) {
    if (!String(object.apiVersion).startsWith('velero.io/')) continue;
    const problems = crdProblems(object);
    if (problems.length) crdIssues.push({ object: describeObject(object), problems });
  }

  const extras: ManifestsExtras = { mode, files, crdProblems: crdIssues };
  if (valuesInfo) extras.values = valuesInfo;
  if (options.repoDir) extras.repo = collectRepoFacts(options.repoDir, plan);
  state.manifests = extras;
  return state;
}
