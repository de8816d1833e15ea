/**
 * Which release of the vmware-tanzu/velero chart a GitOps source pins, and the vendored data of
 * that release (reference/velero/charts/, written by scripts/vendor-chart-data.mjs from the
 * chart repository at tag `velero-<version>`; docs/manifests-gate.md "Chart versions").
 *
 * A pin can be exact (`11.4.0`), a range (`8.x`, `~5.0`, `>=6 <7`) or absent. The release judged
 * is the newest vendored release that satisfies it; when none does (an exact release that is not
 * vendored), the nearest vendored release of the same major, and the report says so. An absent
 * or unreadable pin is judged against the newest vendored release, and says so too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { referenceDir } from '../schema/reference.ts';

export interface VendoredRelease {
  chartVersion: string;
  /** The Velero version the release ships (Chart.yaml appVersion). */
  appVersion: string;
  /** vmware-tanzu/helm-charts commit of tag `velero-<chartVersion>`. */
  commit: string;
  /** File names under reference/velero/charts/. */
  values: string;
  valuesSha256: string;
  schema?: string;
  schemaSha256?: string;
  /** Every `.name` the chart's templates read, and the top-level `.Values.<name>`s (a values key named nowhere has no effect). */
  templateWords: string;
  templateWordsSha256: string;
}

export interface ChartIndex {
  source: string;
  releases: VendoredRelease[];
  /** appVersion of every chart release tag, vendored or not. */
  appVersions: Record<string, string>;
}

let indexCache: ChartIndex | undefined;

export function chartsDir(): string {
  return join(referenceDir(), 'charts');
}

export function chartIndex(): ChartIndex {
  indexCache ??= JSON.parse(readFileSync(join(chartsDir(), 'index.json'), 'utf8')) as ChartIndex;
  return indexCache;
}

export function newestRelease(): VendoredRelease {
  return [...chartIndex().releases].sort((a, b) => semver.compare(b.chartVersion, a.chartVersion))[0];
}

export interface ChartSelection {
  release: VendoredRelease;
  /** The pin as the source wrote it; undefined when the source pins nothing. */
  requested?: string;
  /** The Velero version the requested release ships, when the exact release is known. */
  requestedAppVersion?: string;
  /** Why the judged release is not exactly the pinned one (unpinned, range, not vendored). */
  note?: string;
}

/** `v11.4.0` → `11.4.0`; `8.x`, `>=6 <7` stay ranges. */
function cleanPin(pin: string): string {
  return pin.trim().replace(/^v(?=\d)/, '');
}

export function selectChartRelease(pin: string | undefined): ChartSelection {
  const releases = chartIndex().releases;
  const versions = releases.map((release) => release.chartVersion);
  const byVersion = (version: string) => releases.find((release) => release.chartVersion === version)!;
  const newest = newestRelease();
  const text = pin === undefined ? '' : cleanPin(String(pin));
  if (text === '' || text === '*' || text === 'latest') {
    return { release: newest, requested: pin, note: `the source pins no chart version: judged against the newest vendored chart ${newest.chartVersion} (Velero ${newest.appVersion}), which is what an unpinned install gets today` };
  }
  if (semver.valid(text)) {
    const appVersion = chartIndex().appVersions[text];
    if (versions.includes(text)) return { release: byVersion(text), requested: pin, requestedAppVersion: appVersion };
    const major = semver.major(text);
    const sameMajor = versions.filter((version) => semver.major(version) === major);
    const nearest = sameMajor.filter((version) => semver.lte(version, text)).sort(semver.rcompare)[0] ?? sameMajor.sort(semver.compare)[0];
    if (nearest) {
      return {
        release: byVersion(nearest),
        requested: pin,
        requestedAppVersion: appVersion,
        note: `chart ${text} is not vendored: judged against ${nearest}, the nearest vendored release of the same major${appVersion ? ` (chart ${text} ships Velero ${appVersion})` : ''}`,
      };
    }
    return { release: newest, requested: pin, requestedAppVersion: appVersion, note: `chart ${text} is not a known release of the velero chart: judged against the newest vendored chart ${newest.chartVersion}` };
  }
  const range = semver.validRange(text);
  if (range) {
    const best = semver.maxSatisfying(versions, range);
    const all = Object.keys(chartIndex().appVersions);
    const newestMatching = semver.maxSatisfying(all, range);
    if (best) {
      const note =
        newestMatching && newestMatching !== best
          ? `chart version range "${text}" resolves to ${newestMatching} today; judged against ${best}, the newest vendored release in the range`
          : `chart version range "${text}": judged against ${best}, the newest release in the range`;
      return { release: byVersion(best), requested: pin, requestedAppVersion: newestMatching ? chartIndex().appVersions[newestMatching] : undefined, note };
    }
    return { release: newest, requested: pin, note: `no vendored chart release satisfies "${text}": judged against the newest vendored chart ${newest.chartVersion}` };
  }
  return { release: newest, requested: pin, note: `chart version "${pin}" is not a version or range (a template or variable?): judged against the newest vendored chart ${newest.chartVersion}` };
}

/**
 * An unpinned source that pins its Velero image (`image.tag: v1.8.1`) was written for the chart
 * release that ships that Velero line: the newest vendored release whose appVersion has the same
 * minor line. Undefined when none does (then the newest release is assumed).
 */
export function selectByVeleroImage(tag: unknown): ChartSelection | undefined {
  const version = semver.coerce(typeof tag === 'string' ? tag.replace(/@.*$/, '') : undefined);
  if (!version) return undefined;
  const matching = chartIndex()
    .releases.filter((release) => {
      const app = semver.coerce(release.appVersion);
      return app !== null && app.major === version.major && app.minor === version.minor;
    })
    .sort((a, b) => semver.rcompare(a.chartVersion, b.chartVersion));
  if (matching.length === 0) return undefined;
  const release = matching[0];
  return {
    release,
    note: `the source pins no chart version; its image.tag ${String(tag)} is Velero ${version.major}.${version.minor}, so it is judged against chart ${release.chartVersion} (Velero ${release.appVersion}), the newest vendored release of that line`,
  };
}

/** The chart's default values of a vendored release (reference/velero/charts/<v>.values.json). */
export function releaseDefaults(release: VendoredRelease): Record<string, unknown> {
  return JSON.parse(readFileSync(join(chartsDir(), release.values), 'utf8')) as Record<string, unknown>;
}

/** The chart's values.schema.json of a vendored release, or undefined (charts before 10.x have none). */
export function releaseSchema(release: VendoredRelease): object | undefined {
  return release.schema ? (JSON.parse(readFileSync(join(chartsDir(), release.schema), 'utf8')) as object) : undefined;
}

/** `.name`s the templates read anywhere, and the top-level `.Values.<name>`s among them. */
export function releaseTemplateWords(release: VendoredRelease): { words: Set<string>; values: Set<string> } {
  const data = JSON.parse(readFileSync(join(chartsDir(), release.templateWords), 'utf8')) as { words: string[]; values: string[] };
  return { words: new Set(data.words), values: new Set(data.values) };
}
