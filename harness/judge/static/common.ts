/**
 * Helpers shared by the static (manifests) judges. Pure: they read the State the manifests
 * collector built (`state.manifests` holds values, repository facts and CRD problems).
 */
import type { ItemId } from '../../catalog.ts';
import type { KubeObject, State } from '../../state.ts';
import { skip, type Finding, type Judge, type JudgeContext } from '../types.ts';

/** `Kind namespace/name`, the form the collector uses for CRD problems and derived objects. */
export function describeObject(object: KubeObject): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

/** What the real CRDs say about one object of the input (empty when valid or not a Velero kind). */
export function crdProblemsOf(state: State, object: KubeObject): string[] {
  const name = describeObject(object);
  return state.manifests?.crdProblems?.find((entry) => entry.object === name)?.problems ?? [];
}

/** "from Helm values values.yaml" when the judged objects were derived from values, else ''. */
export function provenance(state: State): string {
  const values = state.manifests?.values;
  if (!values || state.manifests?.mode === 'rendered') return '';
  return ` (derived from the Helm values in ${values.source})`;
}

function schemaProblemLines(state: State): string[] {
  const values = state.manifests?.values;
  if (!values) return [];
  return values.schemaProblems.map((problem) => `${values.source}${problem.line ? `, line ${problem.line}` : ''}: ${problem.path} ${problem.message}`);
}

/**
 * Wrap a static judge: when the rendered input was judged and values were given only for
 * validation, schema problems are attached as warnings (values that drive the derivation and fail
 * the schema never get here: the collector refuses them as bad input). Keys the chart does not
 * have are attached to the item they concern.
 */
export function staticJudge(id: ItemId, judge: Judge): Judge {
  return (context: JudgeContext) => {
    const values = context.state.manifests?.values;
    if (values?.valuesNotShown && context.state.manifests?.mode === 'values') {
      return { ...skip(id, `Not shown: none of the chart values of ${values.source} could be read, so the configuration cannot be judged.`, values.notes), warnings: values.notes };
    }
    const finding = judge(context);
    const unknown = unknownKeyWarnings(id, context.state);
    if (unknown.length) finding.warnings = [...(finding.warnings ?? []), ...unknown];
    const lines = context.state.manifests?.mode === 'rendered' ? schemaProblemLines(context.state) : [];
    if (lines.length === 0) return finding;
    return { ...finding, warnings: [...(finding.warnings ?? []), ...lines.map((line) => `Helm values do not validate: ${line}`)] };
  };
}

/** The item a values key concerns, for attaching "the chart has no such key" warnings. */
function itemOfKey(path: string): ItemId {
  if (/ttl|retention|expir/i.test(path)) return 'beyond.retention';
  if (path.startsWith('schedules')) return 'must.schedule';
  if (/^(configuration\.(backupStorageLocation|volumeSnapshotLocation|provider))|^(backupsEnabled|snapshotsEnabled)/.test(path)) return 'must.s3-target';
  if (/^(nodeAgent|restic|deployNodeAgent|deployRestic)|uploader|FsBackup|Restic/.test(path)) return 'must.fsb-kopia';
  if (path.startsWith('credentials')) return 'guard.k8s-secrets';
  return 'beyond.image-pinning';
}

function unknownKeyWarnings(id: ItemId, state: State): string[] {
  const values = state.manifests?.values;
  return (values?.unknownKeys ?? [])
    .filter((key) => itemOfKey(key.path) === id)
    .map((key) => `\`${key.path}\` (${key.where}) is not a key of the velero chart ${values!.chartVersion}: Helm ignores it, so it changes nothing.`);
}

export interface Checks {
  evidence: string[];
  problems: string[];
  remediation: string[];
  warnings: string[];
  critical: boolean;
}

export function newChecks(): Checks {
  return { evidence: [], problems: [], remediation: [], warnings: [], critical: false };
}

/** Add a remediation line once. */
export function remedy(checks: Checks, line: string): void {
  if (!checks.remediation.includes(line)) checks.remediation.push(line);
}

/** The pod spec of a Deployment or DaemonSet. */
export function podSpecOf(workload: KubeObject | undefined): any {
  return workload?.spec?.template?.spec ?? {};
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name?: string; key?: string } };
}
