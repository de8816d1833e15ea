/**
 * The names and labels the Velero chart gives the objects it renders: its fullname, the common
 * labels and the name of the credentials Secret.
 */
import type { ChartReference } from './chart-reference.ts';
import { getPath as get, isPlainObject, quoted, truthy, type Values } from './helm-template.ts';

/** The chart's `velero.fullname` helper. */
export function chartFullname(values: Values, release: string, chartName = 'velero'): string {
  const override = get(values, 'fullnameOverride');
  if (truthy(override)) return String(override).slice(0, 63).replace(/-+$/, '');
  const name = truthy(get(values, 'nameOverride')) ? String(get(values, 'nameOverride')) : chartName;
  const full = release.includes(name) ? release : `${release}-${name}`;
  return full.slice(0, 63).replace(/-+$/, '');
}

export function labels(values: Values, release: string, chart: ChartReference, extra?: unknown): Record<string, string> {
  const name = truthy(get(values, 'nameOverride')) ? String(get(values, 'nameOverride')) : chart.chartName;
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': release,
    'app.kubernetes.io/managed-by': 'Helm',
    'helm.sh/chart': `${chart.chartName}-${chart.chartVersion}`,
    ...(isPlainObject(extra) ? (Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, quoted(v)])) as Record<string, string>) : {}),
  };
}

export function secretName(values: Values, fullname: string): string {
  const existing = get(values, 'credentials.existingSecret');
  if (truthy(existing)) return String(existing);
  const name = get(values, 'credentials.name');
  return truthy(name) ? String(name) : fullname;
}
