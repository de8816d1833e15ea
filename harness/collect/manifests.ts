/**
 * The manifests target's collector: the rendered output of a GitOps repository
 * (kubenix `make manifests`, `helm template`, `kustomize build`) and/or a Helm values file,
 * reduced to a State with source.target 'manifests'. Synchronous; opens no network connection.
 *
 * - `paths`: files or directories (searched recursively for .yaml/.yml/.json; dot-directories and
 *   node_modules skipped); multi-document YAML, `List`s and JSON are read. A file named explicitly
 *   is read whatever its extension.
 * - `valuesFile`: Velero chart values. They are merged over the chart defaults, validated against
 *   the chart's values.schema.json, and — when the rendered input holds none of the chart's objects
 *   (no `velero` Deployment, `node-agent` DaemonSet, BackupStorageLocation or Schedule) — turned into
 *   the objects the chart would render (see chart-render.ts for the mapping), so the same judges
 *   work on a bare values file. Without --values, a Flux HelmRelease of the velero chart in the
 *   rendered input supplies the values.
 * - `repoDir`: facts about the GitOps repository for the secrets guardrail (repo-facts.ts).
 *
 * Input the user must fix — unreadable files, invalid YAML (with file, line and column), binary
 * files, nothing Kubernetes-shaped — is an AuditInputError.
 */
import { AuditInputError } from '../errors.ts';
import type { BackupPlan } from '../plan.ts';
import { crdProblems } from '../schema/crds.ts';
import type { KubeObject, State } from '../state.ts';
import { chartReference } from './chart-reference.ts';
import { renderFromValues } from './chart-render.ts';
import { mergeValues, redactValues, unknownValuesKeys, valuesSchemaProblems } from './chart-values.ts';
import { selectByVeleroImage, selectChartRelease } from './chart-releases.ts';
import { findVeleroSources } from './gitops-sources.ts';
import type { ValuesLayer, VeleroSource } from './gitops/source.ts';
import { readSourceDocuments } from './gitops/values-files.ts';
import type { ManifestsExtras, ManifestsMode, ObjectProblems, ValuesInfo } from './manifests-types.ts';
import { buildState, flattenLists, isKubeObject } from './objects.ts';
import { collectRepoFacts } from './repo-facts.ts';
import { listObjectFiles, readObjectsFromFile } from './read-objects.ts';

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
function listManifestFiles(path: string): string[] {
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

function describeObject(object: KubeObject): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

/** kind/apiVersion/namespace/name of an object; JSON of anything else. */
function objectKey(value: unknown): string {
  if (isKubeObject(value)) return `${value.apiVersion}|${value.kind}|${value.metadata.namespace ?? ''}|${value.metadata.name}`;
  return JSON.stringify(value);
}

/** `<file>, line N` of a values path in the layer that wrote it last, else the layer's origin. */
function whereWritten(layers: ValuesLayer[], path: Array<string | number>): { where: string; line?: number; file?: string } {
  for (const layer of [...layers].reverse()) {
    for (let length = path.length; length > 0; length--) {
      let node: unknown = layer.values;
      for (const part of path.slice(0, length)) node = typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>)[part] : undefined;
      if (node === undefined) continue;
      if (layer.document && layer.lineCounter) {
        const yamlNode = layer.document.getIn([...(layer.basePath ?? []), ...path.slice(0, length)], true) as { range?: [number, number, number] } | undefined;
        if (yamlNode?.range) {
          const line = layer.lineCounter.linePos(yamlNode.range[0]).line;
          return { where: `${layer.file}, line ${line}`, line, file: layer.file };
        }
      }
      return { where: layer.origin, file: layer.file };
    }
  }
  return { where: 'the chart defaults' };
}

function pointerParts(pointer: string): Array<string | number> {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function dottedParts(path: string): Array<string | number> {
  return path.split('.').flatMap((part) => {
    const match = /^(.*)\[(\d+)\]$/.exec(part);
    return match ? [match[1], Number(match[2])] : [part];
  });
}

/** Read `--values` and the rendered input's documents, and pick the Velero chart values among them. */
function findValuesSource(options: CollectManifestsOptions, manifestFiles: string[]): { source?: VeleroSource; others: VeleroSource[] } {
  const fromValues: VeleroSource[] = [];
  if (options.valuesFile) {
    const documents = readSourceDocuments(options.valuesFile, '--values');
    fromValues.push(...findVeleroSources(documents, { repoDir: options.repoDir, plainValues: true }));
    if (fromValues.length === 0) {
      throw new AuditInputError(
        `--values ${options.valuesFile}: no Velero chart values found — expected chart values (configuration:, initContainers:, …), umbrella-chart values under velero:, a Flux HelmRelease, an Argo CD Application/ApplicationSet or a kustomize helmCharts entry of the velero chart.`,
      );
    }
  }
  const documents = manifestFiles.flatMap((file) => readSourceDocuments(file, '--manifests'));
  const fromManifests = findVeleroSources(documents, { repoDir: options.repoDir, plainValues: false });
  const all = [...fromValues, ...fromManifests];
  return { source: all[0], others: all.slice(1) };
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
    const holdsChartValues = () => findVeleroSources(found.flatMap((file) => readSourceDocuments(file, '--manifests')), { repoDir: options.repoDir, plainValues: false }).length > 0;
    if (objectsHere.length === 0 && !holdsChartValues()) {
      throw new AuditInputError(
        `--manifests: no Kubernetes objects found in ${path} (${found.length === 0 ? 'no .yaml, .yml or .json files there' : `${found.length} file(s) read`}). ` +
          'Point it at rendered manifests: the output of kubenix `make manifests`, `helm template velero vmware-tanzu/velero -n velero -f values.yaml`, or `kustomize build`.',
      );
    }
  }
  const renderedObjects = flattenLists(rendered).filter(isKubeObject);

  // Values: --values (in any GitOps form), else a wrapper or values file in the rendered input.
  const { source: valuesSource, others } = findValuesSource(options, files);
  if (options.valuesFile) files.push(options.valuesFile);
  // Wrappers the values came from (HelmRelease, Application, Kustomization, ConfigMap) are input
  // that was read, not "ignored input"; the same file was parsed twice, so match by identity.
  const consumedKeys = new Set([...(valuesSource?.consumed ?? []), ...(valuesSource?.layers ?? []).filter((layer) => layer.file).map((layer) => layer.values)].map(objectKey));
  const isConsumed = (object: unknown) => consumedKeys.has(objectKey(object));
  const all: unknown[] = flattenLists(rendered).filter((document) => !isConsumed(document));
  let mode: ManifestsMode = 'rendered';
  let valuesInfo: ValuesInfo | undefined;
  if (valuesSource) {
    const given = valuesSource.layers.reduce<Record<string, unknown>>((acc, layer) => mergeValues(acc, layer.values), {});
    const pinned = valuesSource.chartPin !== undefined && valuesSource.chartPin.trim() !== '';
    const imageTag = (given.image as Record<string, unknown> | undefined)?.tag;
    const selection = (!pinned && selectByVeleroImage(imageTag)) || selectChartRelease(valuesSource.chartPin);
    const chart = chartReference(selection.release.chartVersion);
    const merged = mergeValues(chart.defaults, given);
    const schemaProblems = valuesSchemaProblems(merged, undefined, chart).map((problem) => {
      const where = whereWritten(valuesSource.layers, pointerParts(problem.path));
      return { ...problem, line: where.line, where: where.where };
    });
    const authoritative = renderedObjects.some(isChartObject);
    // Against a pinned chart, values the schema rejects are bad input; against an assumed one
    // (nothing pinned) they may only mean the assumption is wrong: then they are warnings.
    if (schemaProblems.length && !authoritative && pinned) {
      const lines = schemaProblems.slice(0, 5).map((problem) => `${problem.path.slice(1).replace(/\//g, '.') || '(root)'} ${problem.message} (${problem.where})`);
      throw new AuditInputError(
        `The Velero chart values of ${valuesSource.description} do not validate against values.schema.json of chart ${chart.chartVersion}, so Helm would refuse to install them: ${lines.join('; ')}${schemaProblems.length > 5 ? `; and ${schemaProblems.length - 5} more` : ''}. Fix the values (or pin the chart version they were written for) and run the gate again.`,
      );
    }
    const unknownKeys = unknownValuesKeys(given, chart).map((key) => ({ path: key.path, where: whereWritten(valuesSource.layers, dottedParts(key.path)).where }));
    const derived: string[] = [];
    const notes = [...valuesSource.notes];
    if (selection.note) notes.push(`Chart version: ${selection.note}.`);
    for (const other of others) notes.push(`${other.description} also configures the velero chart: only ${valuesSource.description} was judged.`);
    if (valuesSource.namespace && valuesSource.namespace !== plan.namespace) {
      notes.push(`The release installs into namespace ${valuesSource.namespace}; its objects are judged as if in the plan's namespace ${plan.namespace}.`);
    }
    if (authoritative) {
      notes.push('The rendered input already holds the chart\'s objects: they are judged as rendered; the values were only validated.');
    } else {
      const result = renderFromValues(merged, { release: valuesSource.release, namespace: plan.namespace, chart });
      all.push(...result.objects);
      derived.push(...result.objects.map(describeObject));
      notes.push(...result.notes);
      mode = renderedObjects.some((object) => !isConsumed(object)) ? 'rendered+values' : 'values';
    }
    if (schemaProblems.length && !authoritative && !pinned) {
      notes.push(
        `The values do not validate against values.schema.json of the assumed chart ${chart.chartVersion} (${schemaProblems
          .slice(0, 3)
          .map((problem) => `${problem.path.slice(1).replace(/\//g, '.')} ${problem.message}, ${problem.where}`)
          .join('; ')}): if that is the chart in use, Helm refuses them; pin the chart version the values were written for.`,
      );
    }
    valuesInfo = {
      valuesNotShown: valuesSource.layers.length === 0 && valuesSource.notes.some((note) => /not shown/.test(note)),
      source: valuesSource.description,
      form: valuesSource.form,
      given: redactValues(given),
      merged: redactValues(merged),
      schemaProblems: schemaProblems.map(({ path, message, line }) => ({ path, message, line })),
      schemaChecked: chart.validate !== undefined,
      unknownKeys,
      chartVersion: chart.chartVersion,
      chartPin: valuesSource.chartPin,
      appVersion: chart.appVersion,
      pinnedAppVersion: selection.requestedAppVersion,
      chartNote: selection.note,
      release: valuesSource.release,
      derived,
      notes,
    };
  }

  const description = [
    options.paths.length ? `rendered manifests ${options.paths.join(', ')}` : '',
    valuesInfo ? `Velero chart values from ${valuesInfo.source}, judged against chart ${valuesInfo.chartVersion} (Velero ${valuesInfo.appVersion})${valuesInfo.chartNote ? ` — ${valuesInfo.chartNote}` : ''}` : '',
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
