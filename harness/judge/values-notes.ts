/**
 * What Helm values add to any item's finding: "not shown" when none could be read, and the
 * values' schema problems and unknown keys as warnings on the item they concern. Applied by
 * judgeItem (judge/index.ts) whenever the State carries values, whatever the judge.
 */
import type { ItemId } from '../catalog.ts';
import type { State } from '../state.ts';
import { skip, type Judge, type JudgeContext } from './types.ts';

function schemaProblemLines(state: State): string[] {
  const values = state.manifests?.values;
  if (!values) return [];
  return values.schemaProblems.map((problem) => `${values.source}${problem.line ? `, line ${problem.line}` : ''}: ${problem.path} ${problem.message}`);
}

/**
 * Judge an item on an input that carried Helm values: when none of the values could be read, the
 * items they decide are not shown; when the rendered input was judged and values were given only
 * for validation, schema problems are attached as warnings (values that drive the derivation and
 * fail the schema never get here: the collector refuses them as bad input). Keys the chart does
 * not have are attached to the item they concern.
 */
export function withValuesNotes(id: ItemId, judge: Judge): Judge {
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
