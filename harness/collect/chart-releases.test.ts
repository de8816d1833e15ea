import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { referenceDir } from '../schema/reference.ts';
import { chartIndex, chartsDir, releaseDefaults, selectByVeleroImage, selectChartRelease } from './chart-releases.ts';

const sha = (file: string) => createHash('sha256').update(readFileSync(join(chartsDir(), file), 'utf8')).digest('hex');

describe('vendored chart data (reference/velero/charts)', () => {
  const { releases, appVersions } = chartIndex();

  it('holds the last release of every major from 2.x to 12.x', () => {
    for (let major = 2; major <= 12; major++) {
      const newestTag = Object.keys(appVersions).filter((v) => semver.major(v) === major).sort(semver.rcompare)[0];
      expect(newestTag, `a release tag of major ${major}`).toBeDefined();
      expect(releases.map((r) => r.chartVersion), `major ${major}`).toContain(newestTag);
    }
  });

  it('is self-consistent: each file exists with its recorded sha256, appVersion matches the tag index and the defaults, schema exactly from 10.x', () => {
    for (const release of releases) {
      expect(release.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(sha(release.values)).toBe(release.valuesSha256);
      expect(sha(release.templateWords)).toBe(release.templateWordsSha256);
      expect(appVersions[release.chartVersion]).toBe(release.appVersion);
      const tag = (releaseDefaults(release).image as { tag?: string }).tag;
      // The chart's default image is the Velero it ships.
      expect(semver.coerce(tag)?.version.split('.').slice(0, 2)).toEqual(semver.coerce(release.appVersion)?.version.split('.').slice(0, 2));
      if (semver.major(release.chartVersion) >= 10) {
        expect(release.schema).toBe(`${release.chartVersion}.values.schema.json`);
        expect(sha(release.schema!)).toBe(release.schemaSha256);
      } else {
        expect(release.schema).toBeUndefined();
        expect(existsSync(join(chartsDir(), `${release.chartVersion}.values.schema.json`))).toBe(false);
      }
    }
  });

  it('has the plugin compatibility table from the plugin README, including the line of every vendored chart\'s Velero from 1.2 on', () => {
    const table = JSON.parse(readFileSync(join(referenceDir(), 'aws-plugin-compatibility.json'), 'utf8')).veleroToPlugin as Record<string, { plugin: string; readmeCommit: string }>;
    expect(table['1.18'].plugin).toBe('1.14');
    expect(table['1.15'].plugin).toBe('1.11');
    expect(table['1.7'].plugin).toBe('1.3');
    for (const release of releases) {
      const velero = semver.coerce(release.appVersion)!;
      expect(table[`${velero.major}.${velero.minor}`], `Velero ${release.appVersion}`).toBeDefined();
    }
  });
});

describe('selectChartRelease', () => {
  it('an exact vendored pin is used as is', () => {
    expect(selectChartRelease('11.4.0')).toMatchObject({ release: { chartVersion: '11.4.0', appVersion: '1.17.1' } });
    expect(selectChartRelease('11.4.0').note).toBeUndefined();
    expect(selectChartRelease('v7.2.1').release.chartVersion).toBe('7.2.1');
  });

  it('a range takes the newest vendored release in it and says so', () => {
    expect(selectChartRelease('8.x')).toMatchObject({ release: { chartVersion: '8.7.2' }, note: expect.stringContaining('"8.x"') });
    expect(selectChartRelease('>=5.2.0 <5.2.1').release.chartVersion).toBe('5.2.0');
  });

  it('an exact release that is not vendored takes the nearest of its major and names the Velero it ships', () => {
    const selection = selectChartRelease('11.0.0');
    expect(selection.release.chartVersion).toBe('11.4.0');
    expect(selection.note).toMatch(/chart 11\.0\.0 is not vendored/);
    expect(selection.requestedAppVersion).toBe(chartIndex().appVersions['11.0.0']);
  });

  it('no pin, or a template, is judged against the newest and says so', () => {
    expect(selectChartRelease(undefined)).toMatchObject({ release: { chartVersion: '12.1.0' }, note: expect.stringContaining('pins no chart version') });
    expect(selectChartRelease('${VELERO_CHART_VERSION}').note).toMatch(/not a version or range/);
  });

  it('an unpinned source with a pinned Velero image is judged by the chart of that Velero line', () => {
    expect(selectByVeleroImage('v1.8.1')?.release.chartVersion).toBe('2.28.1');
    expect(selectByVeleroImage('v1.18.2@sha256:abc')?.release.chartVersion).toBe('12.1.0');
    expect(selectByVeleroImage('v0.9.0')).toBeUndefined();
    expect(selectByVeleroImage(undefined)).toBeUndefined();
  });
});
