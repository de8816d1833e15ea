/**
 * Facts only a manifests input carries (state.manifests): what the real CRDs say about an object,
 * and whether the judged objects were derived from Helm values. Pure.
 */
import type { KubeObject, State } from '../../state.ts';

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

/**
 * The objects are files kept in a repository (rendered manifests, Helm values): a Secret missing
 * from them may still reach the cluster from elsewhere (an encrypted file, an external secret
 * store, `helm --set-file`), while a Secret absent from a listing of a cluster's namespace does not
 * exist. (Whether one Secret is a file with its values in plain text is a fact of that Secret:
 * `SecretSummary.neverStored`.)
 */
export function objectsAreRepositoryFiles(state: State): boolean {
  return state.manifests !== undefined;
}
