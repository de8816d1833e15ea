/**
 * One vendored release of the Velero chart as the values code needs it: its defaults, its
 * compiled values.schema.json, its versions and the value names its templates read.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { chartIndex, newestRelease, releaseDefaults, releaseSchema, releaseTemplateWords } from './chart-releases.ts';
import type { Values } from './helm-template.ts';

export interface ChartReference {
  defaults: Values;
  /** values.schema.json compiled; undefined for charts before 10.x, which have none. */
  validate?: ValidateFunction;
  chartName: string;
  chartVersion: string;
  /** The Velero version the chart ships (Chart.yaml appVersion). */
  appVersion: string;
  /** vmware-tanzu/helm-charts commit the vendored files come from. */
  commit: string;
  /** Every `.name` the chart's templates read. */
  templateWords: Set<string>;
  /** The top-level `.Values.<name>`s the chart's templates read. */
  templateValues: Set<string>;
}

const chartCache = new Map<string, ChartReference>();

/**
 * The defaults, schema and versions of one vendored chart release (reference/velero/charts,
 * chart-releases.ts); without a version, the newest vendored release.
 */
export function chartReference(version?: string): ChartReference {
  const release = version ? chartIndex().releases.find((entry) => entry.chartVersion === version) : newestRelease();
  if (!release) throw new Error(`velero chart ${version} is not vendored under reference/velero/charts.`);
  const cached = chartCache.get(release.chartVersion);
  if (cached) return cached;
  const schema = releaseSchema(release);
  // draft-07 schema as Helm enforces it; the chart's schema uses no formats.
  const reference: ChartReference = {
    defaults: releaseDefaults(release),
    validate: schema ? new Ajv({ strict: false, allErrors: true }).compile(schema) : undefined,
    chartName: 'velero',
    chartVersion: release.chartVersion,
    appVersion: release.appVersion,
    commit: release.commit,
    templateWords: releaseTemplateWords(release).words,
    templateValues: releaseTemplateWords(release).values,
  };
  chartCache.set(release.chartVersion, reference);
  return reference;
}
