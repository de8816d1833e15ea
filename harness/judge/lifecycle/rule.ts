/**
 * One bucket lifecycle (ILM) rule in the normalised form every way in produces (S3 JSON, S3 XML,
 * the plan's declared lifecycle), and how a rule is named in a report. Pure: no I/O.
 */

/** One lifecycle rule, normalised. */
export interface LifecycleRule {
  /** The rule's ID, or `#<n>` (1-based position) when it has none. */
  id: string;
  enabled: boolean;
  /** The key prefix the rule applies to; '' = the whole bucket. */
  prefix: string;
  /** Where the prefix came from (docs/retention-and-exposure.md §4.2: Filter.Prefix, then Filter.And.Prefix, then the legacy rule Prefix). */
  prefixSource: 'Filter.Prefix' | 'Filter.And.Prefix' | 'Prefix' | 'none';
  /** The filter needs object tags. Velero and Kopia never tag objects, so such a rule cannot match them. */
  tagScoped: boolean;
  /** The filter has an object-size bound. It narrows the rule but never makes it safe. */
  sizeScoped: boolean;
  /** Current-version expiration after N days. */
  expirationDays?: number;
  /** Current-version expiration on a fixed date (ISO). */
  expirationDate?: string;
  expiredObjectDeleteMarker?: boolean;
  /** Permanent removal of noncurrent versions after N days (compatible with Kopia, docs/retention-and-exposure.md §1.4). */
  noncurrentExpirationDays?: number;
  /** The rule moves objects to another storage class. */
  hasTransition: boolean;
}

export interface DeclaredLifecycleRule {
  prefix: string;
  expirationDays: number;
}

/** The plan's declared lifecycle (`plan.retention.bucketLifecycle`) as normalised rules. */
export function rulesFromPlan(declared: readonly DeclaredLifecycleRule[]): LifecycleRule[] {
  return declared.map((rule, index) => ({
    id: `plan rule #${index + 1}`,
    enabled: true,
    prefix: rule.prefix,
    prefixSource: rule.prefix === '' ? 'none' : 'Filter.Prefix',
    tagScoped: false,
    sizeScoped: false,
    expirationDays: rule.expirationDays,
    hasTransition: false,
  }));
}

function scopeText(rule: LifecycleRule): string {
  return rule.prefix === '' ? 'the whole bucket' : `prefix "${rule.prefix}"`;
}

function actionText(rule: LifecycleRule): string {
  const actions: string[] = [];
  if (rule.expirationDays !== undefined) actions.push(`Expiration ${rule.expirationDays} days`);
  if (rule.expirationDate !== undefined) actions.push(`Expiration on ${rule.expirationDate.slice(0, 10)}`);
  if (rule.expiredObjectDeleteMarker) actions.push('ExpiredObjectDeleteMarker');
  if (rule.noncurrentExpirationDays !== undefined) actions.push(`NoncurrentVersionExpiration ${rule.noncurrentExpirationDays} days`);
  if (rule.hasTransition) actions.push('Transition');
  return actions.length ? actions.join(', ') : 'no action';
}

/** One line naming a rule: `rule "expire-all" (the whole bucket, Expiration 14 days, Enabled)`. */
export function describeRule(rule: LifecycleRule): string {
  const extras = [rule.tagScoped ? 'tag filter' : '', rule.sizeScoped ? 'size filter' : ''].filter(Boolean);
  return `rule "${rule.id}" (${scopeText(rule)}${extras.length ? `, ${extras.join(', ')}` : ''}, ${actionText(rule)}, ${rule.enabled ? 'Enabled' : 'Disabled'})`;
}

/** The rule deletes current objects (not only noncurrent versions or delete markers). */
export function expiresCurrentObjects(rule: LifecycleRule): boolean {
  return rule.expirationDays !== undefined || rule.expirationDate !== undefined;
}
