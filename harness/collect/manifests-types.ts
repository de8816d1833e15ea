/**
 * Extra inputs of the manifests target: Helm values and the GitOps repository facts
 * that rendered objects alone do not carry. Plain data; never a secret value — credentials in
 * values (`credentials.secretContents`, `credentials.extraEnvVars`) are replaced by
 * REDACTED (harness/redact.ts) before they are stored here.
 */


/** Where the objects the judges read came from. */
export type ManifestsMode =
  /** Rendered manifests only (`--manifests`). */
  | 'rendered'
  /** Objects derived from Helm values only (`--values` without rendered Velero objects). */
  | 'values'
  /** Rendered manifests, plus objects derived from values for what the rendering lacked. */
  | 'rendered+values';

export interface ValuesProblem {
  /** JSON pointer of the offending value, e.g. `/configuration/backupStorageLocation/0/bucket`. */
  path: string;
  message: string;
  /** 1-based line in the values file when the value is written there (not a chart default). */
  line?: number;
}

export interface UnknownValuesKey {
  /** Dotted path, e.g. `configuration.backupRetentionPeriod`. */
  path: string;
  /** Where it is written: `<file>, line N`, or the layer's origin. */
  where: string;
}

export interface ValuesInfo {
  /** Where the values came from, e.g. `Flux HelmRelease velero/velero (…) in helmrelease.yaml`, or the values file. */
  source: string;
  /** None of the values could be read (every reference unresolved): the items they decide are not shown. */
  valuesNotShown?: boolean;
  /** The form the repository keeps them in (`values`, `Flux HelmRelease`, `Argo CD Application`, …). */
  form?: string;
  /** The chart version or range the source pins (undefined = unpinned). */
  chartPin?: string;
  /** The Velero version the chart release ships (Chart.yaml appVersion) of the release judged. */
  appVersion?: string;
  /** The Velero version of the exact release pinned, when it is known but not vendored. */
  pinnedAppVersion?: string;
  /** Why the release judged is not exactly the pinned one (unpinned, a range, not vendored). */
  chartNote?: string;
  /** The chart's values.schema.json was checked (charts 10.x and later have one). */
  schemaChecked?: boolean;
  /** Keys the chart release does not have: Helm accepts and ignores them. */
  unknownKeys?: UnknownValuesKey[];
  /** The values as given, secrets redacted. */
  given: Record<string, unknown>;
  /** Deep-merged over the chart's defaults (chart/values.yaml), as Helm does; secrets redacted. */
  merged: Record<string, unknown>;
  /** Problems against chart/values.schema.json: Helm refuses to render such values. */
  schemaProblems: ValuesProblem[];
  /** The chart version whose defaults and schema were used (Chart.yaml). */
  chartVersion: string;
  /** The release name used to derive object names (`<release>-<key>` schedules). */
  release: string;
  /** Objects derived from the values and added to the State, e.g. "Schedule velero/velero-daily". */
  derived: string[];
  /** Things the derivation could not evaluate (e.g. `initContainers` given as a template string). */
  notes: string[];
}

export interface SecretsFileFacts {
  /** Path relative to the repository root, as the plan names it. */
  path: string;
  exists: boolean;
  /** SOPS metadata (`sops.mac` / `sops.lastmodified` / `sops.version`) is present. */
  sopsEncrypted: boolean;
  /** Key names (dotted paths for nested keys, `sops` excluded) — never values. */
  keys: string[];
  /** Why the file could not be read or parsed. */
  problem?: string;
}

export interface FileReference {
  /** Path relative to the repository root. */
  file: string;
  line: number;
  /**
   * The file is a Velero module: its path mentions "velero", or it is cluster configuration
   * (under kubenix/, k8s/, apps/, charts/, …) that mentions velero (`isVeleroModule`).
   */
  veleroRelated: boolean;
}

export interface RepoFacts {
  /** The repository directory as given with --repo. */
  dir: string;
  k8sSecretsFile: SecretsFileFacts;
  hostsSecretsFile: SecretsFileFacts;
  /** Non-comment lines in the repo's text files that name the hosts secrets file. */
  hostsSecretsReferences: FileReference[];
  /** Non-comment lines that name the k8s secrets file. */
  k8sSecretsReferences: FileReference[];
  /** Lines that name one of the plan's source key names (credentials.sourceKeys). */
  sourceKeyReferences: FileReference[];
  /** Text files read. */
  scannedFiles: number;
  /** The scan stopped at its file-count or byte budget; references may be missing. */
  truncated: boolean;
}

export interface ObjectProblems {
  /** `Kind namespace/name`. */
  object: string;
  problems: string[];
}

/**
 * Extra inputs of the manifests target: Helm values and the GitOps repository facts that rendered
 * objects alone do not carry.
 */
export interface ManifestsExtras {
  mode?: ManifestsMode;
  /** Input files read (as given / found), for the report. */
  files?: string[];
  /** The Velero chart values (--values, or a Flux HelmRelease's spec.values), parsed and checked. */
  values?: ValuesInfo;
  /** Facts about the GitOps repository (--repo). */
  repo?: RepoFacts;
  /** Velero objects in the input that the real CRDs (v1.18.1) reject: the API server would refuse them. */
  crdProblems?: ObjectProblems[];
}
