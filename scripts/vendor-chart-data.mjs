#!/usr/bin/env node
/**
 * Refreshes reference/velero/charts/ from a local clone of vmware-tanzu/helm-charts and
 * reference/velero/aws-plugin-compatibility.json from a clone of vmware-tanzu/velero-plugin-for-aws:
 *
 *   node scripts/vendor-chart-data.mjs <helm-charts clone> <velero-plugin-for-aws clone>
 *
 * For each vendored chart release (the last release of every major from 2.x, plus the releases
 * GitOps repositories are known to pin) it keeps the chart defaults (charts/velero/values.yaml at
 * tag `velero-<version>`, as JSON: comments dropped) and values.schema.json where the chart has
 * one (10.x and later). index.json records, per release, the chart version, the Velero version it
 * ships (Chart.yaml appVersion), the helm-charts commit and the sha256 of each vendored file; it
 * also lists the appVersion of every release tag, so a pin that is not vendored still has a known
 * Velero version. The plugin table is the "Compatibility" table of the plugin's README, collected
 * over the README's history on every branch (old rows drop out of the current README; the newest
 * row appears first on the release branch).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const [chartsRepo, pluginRepo] = process.argv.slice(2);
if (!chartsRepo || !pluginRepo) {
  console.error('usage: node scripts/vendor-chart-data.mjs <helm-charts clone> <velero-plugin-for-aws clone>');
  process.exit(2);
}
const git = (dir, ...args) => execFileSync('git', ['--git-dir', dir.endsWith('.git') || dir.endsWith('repo') ? dir : join(dir, '.git'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const out = resolve(import.meta.dirname, '..', 'reference', 'velero', 'charts');
mkdirSync(out, { recursive: true });

/** Releases GitOps repositories pin (besides the last release of each major). */
const PINNED = ['2.24.0', '2.28.1', '5.2.0', '6.4.0', '7.2.1', '10.1.2'];

const cmp = (a, b) => {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
};
const tags = git(chartsRepo, 'tag', '--list', 'velero-*')
  .split('\n')
  .map((t) => t.trim())
  .filter((t) => /^velero-\d+\.\d+\.\d+$/.test(t))
  .map((t) => t.slice('velero-'.length))
  .sort(cmp);
const appVersions = {};
for (const version of tags) {
  const chart = parse(git(chartsRepo, 'show', `velero-${version}:charts/velero/Chart.yaml`));
  appVersions[version] = String(chart.appVersion);
}
const lastOfMajor = new Map();
for (const version of tags) if (Number(version.split('.')[0]) >= 2) lastOfMajor.set(version.split('.')[0], version);
const vendored = [...new Set([...lastOfMajor.values(), ...PINNED])].sort(cmp);

const sha = (text) => createHash('sha256').update(text.endsWith('\n') ? text : `${text}\n`).digest('hex');
const releases = [];
for (const version of vendored) {
  const tag = `velero-${version}`;
  const commit = git(chartsRepo, 'rev-list', '-n', '1', tag).trim();
  const defaults = JSON.stringify(parse(git(chartsRepo, 'show', `${tag}:charts/velero/values.yaml`)) ?? {});
  const entry = { chartVersion: version, appVersion: appVersions[version], commit, values: `${version}.values.json`, valuesSha256: sha(defaults) };
  writeFileSync(join(out, entry.values), defaults + '\n');
  // Every `.name` the templates read (`.Values.configuration.uploaderType`, `.uploaderType` inside
  // `with .Values.configuration`): a values key none of them names has no effect on the release.
  const words = new Set();
  const topLevel = new Set();
  const templates = git(chartsRepo, 'ls-tree', '-r', '--name-only', tag, 'charts/velero/templates/').split('\n').filter(Boolean);
  for (const file of templates) {
    const text = git(chartsRepo, 'show', `${tag}:${file}`);
    for (const match of text.matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)/g)) words.add(match[1]);
    for (const match of text.matchAll(/\.Values\.([A-Za-z_][A-Za-z0-9_]*)/g)) topLevel.add(match[1]);
  }
  const templateWords = JSON.stringify({ words: [...words].sort(), values: [...topLevel].sort() });
  entry.templateWords = `${version}.template-words.json`;
  entry.templateWordsSha256 = sha(templateWords);
  writeFileSync(join(out, entry.templateWords), templateWords + '\n');
  let schema;
  try {
    schema = execFileSync('git', ['--git-dir', chartsRepo, 'show', `${tag}:charts/velero/values.schema.json`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    schema = undefined;
  }
  if (schema) {
    entry.schema = `${version}.values.schema.json`;
    entry.schemaSha256 = sha(schema);
    writeFileSync(join(out, entry.schema), schema.endsWith('\n') ? schema : `${schema}\n`);
  }
  releases.push(entry);
}
const index = {
  source: 'https://github.com/vmware-tanzu/helm-charts (charts/velero at tag velero-<chartVersion>)',
  releases,
  appVersions,
};
writeFileSync(join(out, 'index.json'), JSON.stringify(index, null, 1) + '\n');

// The plugin's compatibility table over the README's history.
const rows = new Map();
const commits = git(pluginRepo, 'log', '--all', '--date-order', '--format=%H', '--', 'README.md').split('\n').filter(Boolean);
for (const commit of commits) {
  const readme = git(pluginRepo, 'show', `${commit}:README.md`);
  for (const match of readme.matchAll(/^\|\s*v(\d+\.\d+)\.x\s*\|\s*v(\d+\.\d+)\.(?:x|\d+)\s*\|/gm)) {
    if (!rows.has(match[2])) rows.set(match[2], { plugin: match[1], readmeCommit: commit });
  }
}
const table = Object.fromEntries([...rows.entries()].sort((a, b) => cmp(`${b[0]}.0`, `${a[0]}.0`)));
writeFileSync(
  resolve(out, '..', 'aws-plugin-compatibility.json'),
  JSON.stringify({ source: 'https://github.com/vmware-tanzu/velero-plugin-for-aws README.md "Compatibility" table (all branches)', veleroToPlugin: table }, null, 1) + '\n',
);
console.log(`vendored ${releases.length} chart releases (${tags.length} release tags indexed), ${rows.size} plugin rows`);
