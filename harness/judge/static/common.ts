/**
 * Helpers shared by the static (manifests) judges. Pure: they read the State the manifests
 * collector built (`state.manifests` holds values, repository facts and CRD problems).
 */
import type { ItemId } from '../../catalog.ts';
import type { KubeObject, State } from '../../state.ts';
import { fail, type Finding, type Judge, type JudgeContext } from '../types.ts';

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
 * When the objects were derived from Helm values that the chart's values.schema.json rejects,
 * Helm would render nothing: every static item fails with the schema problems as evidence.
 */
export function valuesGate(id: ItemId, state: State): Finding | undefined {
  const values = state.manifests?.values;
  if (!values || values.schemaProblems.length === 0 || state.manifests?.mode === 'rendered') return undefined;
  const lines = schemaProblemLines(state);
  return fail(
    id,
    `Helm would refuse the values in ${values.source}: ${lines.length} problem${lines.length === 1 ? '' : 's'} against the velero chart ${values.chartVersion} values.schema.json.`,
    lines.slice(0, 10),
    `Fix the values so that \`helm template velero vmware-tanzu/velero --version ${values.chartVersion} -f ${values.source}\` renders (the chart enforces values.schema.json), then run the audit again.`,
  );
}

/**
 * Wrap a static judge: the values gate first, then the judge; when the rendered input was judged
 * and values were given only for validation, schema problems are attached as warnings.
 */
export function staticJudge(id: ItemId, judge: Judge): Judge {
  return (context: JudgeContext) => {
    const gate = valuesGate(id, context.state);
    if (gate) return gate;
    const finding = judge(context);
    const lines = context.state.manifests?.mode === 'rendered' ? schemaProblemLines(context.state) : [];
    if (lines.length === 0) return finding;
    return { ...finding, warnings: [...(finding.warnings ?? []), ...lines.map((line) => `Helm values do not validate: ${line}`)] };
  };
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
