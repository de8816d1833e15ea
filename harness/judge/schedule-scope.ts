/**
 * The scope of a Schedule's backups — which namespaces and objects its Backup template selects —
 * compared with the plan's `schedule.scope`. A Schedule that includes only `velero`, excludes an
 * application namespace, or selects by label backs up less than the plan says, although every
 * backup it makes is Completed and covers its own (narrow) scope.
 *
 * Velero's semantics (docs/velero-facts.md "A backup's scope"): an empty includedNamespaces or
 * `*` is every namespace; excludedNamespaces is subtracted; labelSelector / orLabelSelectors
 * restrict the items; includeClusterResources unset means "included when every namespace is
 * backed up", false never includes them.
 */
import type { BackupPlan } from '../plan.ts';
import type { LabelSelector } from './facts/workloads.ts';

type PlanScope = BackupPlan['schedule']['scope'];

export interface TemplateScope {
  includedNamespaces: string[];
  excludedNamespaces: string[];
  labelSelector?: LabelSelector;
  orLabelSelectors?: LabelSelector[];
  includeClusterResources?: boolean;
}

export interface ScopeComparison {
  problems: string[];
  warnings: string[];
  evidence: string;
}

export function templateScope(template: any): TemplateScope {
  const list = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
  return {
    includedNamespaces: list(template?.includedNamespaces),
    excludedNamespaces: list(template?.excludedNamespaces),
    ...(template?.labelSelector ? { labelSelector: template.labelSelector } : {}),
    ...(Array.isArray(template?.orLabelSelectors) && template.orLabelSelectors.length ? { orLabelSelectors: template.orLabelSelectors } : {}),
    ...(typeof template?.includeClusterResources === 'boolean' ? { includeClusterResources: template.includeClusterResources } : {}),
  };
}

/** Namespace lists as sets: an empty list and `*` both mean every namespace. */
function namespaceSet(names: string[]): string[] {
  if (names.length === 0 || names.includes('*')) return ['*'];
  return [...new Set(names)].sort();
}

function sameSelector(a: LabelSelector | undefined, b: LabelSelector | undefined): boolean {
  const normal = (selector: LabelSelector | undefined) =>
    JSON.stringify({
      matchLabels: Object.entries(selector?.matchLabels ?? {}).sort(),
      matchExpressions: [...(selector?.matchExpressions ?? [])].map((e) => ({ ...e, values: [...(e.values ?? [])].sort() })).sort((x, y) => x.key.localeCompare(y.key)),
    });
  return normal(a) === normal(b);
}

function selectorText(selector: LabelSelector | undefined): string {
  if (!selector) return '(none)';
  const parts = [
    ...Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`),
    ...(selector.matchExpressions ?? []).map((e) => `${e.key} ${e.operator}${e.values?.length ? ` (${e.values.join(',')})` : ''}`),
  ];
  return parts.length ? parts.join(', ') : '{} (everything)';
}

function describeTemplateScope(scope: TemplateScope): string {
  const included = namespaceSet(scope.includedNamespaces).join(',');
  return `namespaces ${included === '*' ? '* (all)' : included}${scope.excludedNamespaces.length ? ` minus ${scope.excludedNamespaces.join(',')}` : ''}, labelSelector ${selectorText(scope.labelSelector)}${scope.orLabelSelectors ? `, orLabelSelectors [${scope.orLabelSelectors.map(selectorText).join(' | ')}]` : ''}, includeClusterResources ${scope.includeClusterResources ?? '(unset: automatic)'}`;
}

export function compareScope(actual: TemplateScope, planned: PlanScope): ScopeComparison {
  const problems: string[] = [];
  const warnings: string[] = [];
  const plannedIncluded = namespaceSet(planned.includedNamespaces);
  const actualIncluded = namespaceSet(actual.includedNamespaces);
  if (plannedIncluded.join(',') !== actualIncluded.join(',')) {
    const missing = plannedIncluded[0] === '*' ? ['every namespace'] : plannedIncluded.filter((name) => actualIncluded[0] !== '*' && !actualIncluded.includes(name));
    if (missing.length) problems.push(`its template includes namespaces ${actualIncluded.join(',')}, the plan says ${plannedIncluded.join(',') === '*' ? '* (all)' : plannedIncluded.join(',')} (not backed up: ${missing.join(', ')})`);
    else warnings.push(`The template includes namespaces ${actualIncluded.join(',')}, more than the plan's ${plannedIncluded.join(',')}.`);
  }
  const unplannedExcludes = actual.excludedNamespaces.filter((name) => !planned.excludedNamespaces.includes(name));
  if (unplannedExcludes.length) problems.push(`its template excludes namespace(s) ${unplannedExcludes.join(', ')}, which the plan does not exclude`);
  const notExcluded = planned.excludedNamespaces.filter((name) => !actual.excludedNamespaces.includes(name));
  if (notExcluded.length) warnings.push(`The plan excludes ${notExcluded.join(', ')}, the template does not (they are backed up too).`);
  if (!sameSelector(actual.labelSelector, planned.labelSelector)) {
    problems.push(`its template's labelSelector is ${selectorText(actual.labelSelector)}, the plan's is ${selectorText(planned.labelSelector)} (objects without the labels are not backed up)`);
  }
  if (actual.orLabelSelectors) problems.push(`its template sets orLabelSelectors [${actual.orLabelSelectors.map(selectorText).join(' | ')}], which the plan does not (objects matching none are not backed up)`);
  if (planned.includeClusterResources === undefined) {
    if (actual.includeClusterResources === false) problems.push('its template sets includeClusterResources: false: cluster-scoped resources (PersistentVolumes, CRDs, ClusterRoles) are never backed up');
  } else if (planned.includeClusterResources === true) {
    const automaticAll = actual.includeClusterResources === undefined && actualIncluded[0] === '*';
    if (actual.includeClusterResources !== true && !automaticAll) problems.push(`its template's includeClusterResources is ${actual.includeClusterResources ?? 'unset (automatic: not included for a namespace subset)'}, the plan wants cluster-scoped resources included`);
  } else if (actual.includeClusterResources !== false) {
    problems.push(`its template's includeClusterResources is ${actual.includeClusterResources ?? 'unset (automatic)'}, the plan says false`);
  }
  return { problems, warnings, evidence: `Scope: template ${describeTemplateScope(actual)}; plan ${describeTemplateScope({ ...planned })}` };
}

/** What to change when a schedule's template scope is not the plan's (any target). */
export function scopeFix(planned: PlanScope): string {
  return `set the schedule template's scope to the plan's (schedules.daily.template: includedNamespaces ${JSON.stringify(planned.includedNamespaces)}${planned.excludedNamespaces.length ? `, excludedNamespaces ${JSON.stringify(planned.excludedNamespaces)}` : ''}, no labelSelector unless the plan names one; or change schedule.scope in velero-verify.yaml if the plan changed)`;
}
