/**
 * Bucket lifecycle (ILM) rules and what they do to a Velero + Kopia bucket. Pure: no I/O.
 *
 * Three ways in, one normalised form (`LifecycleRule`):
 * - `normalizeLifecycleRules(x)`: the S3 JSON shape — `GetBucketLifecycleConfiguration` output of
 *   @aws-sdk/client-s3, `mc ilm export`, or a capture (accepts the rule array or `{ Rules: [...] }`);
 * - `parseLifecycleXml(xml)`: the XML document S3/MinIO serve on `GET /<bucket>?lifecycle`;
 * - `rulesFromPlan(plan.retention.bucketLifecycle)`: the lifecycle the plan declares.
 *
 * Then `analyzeRetention({ rules, veleroPrefix, longestTtlMs, gcSlackMs })` decides
 * (docs/retention-and-exposure.md §6, docs/architecture.md §7):
 * - CRITICAL: an enabled Expiration (Days or Date) whose filter can reach `<p>kopia/` — a
 *   bucket-wide rule included. Kopia packs are content-addressed and shared by every later
 *   snapshot; `kopia.repository` is written once at init. Age says nothing about liveness, so an
 *   age rule deletes data live backups need and makes the repository unopenable (docs/retention-and-exposure.md §1.3,
 *   ionfury/homelab PR #953).
 * - FAIL: an Expiration on `<p>backups/` shorter than the longest TTL (backups vanish early; the
 *   sync controller then drops the Backup CRs and the kopia snapshots are never forgotten, §2.2).
 * - WARN: shorter than TTL + GC slack (ILM races Velero's GC, §2.3).
 * A missing lifecycle is the safe state, never a problem (docs/retention-and-exposure.md §4.1).
 */
import { child, children, childText, parseXml, type XmlElement } from '../bucket/xml.ts';
import { formatDuration } from '../duration.ts';

const DAY_MS = 86_400_000;

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

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function asDateIso(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString() : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const time = Date.parse(value);
    return Number.isFinite(time) ? new Date(time).toISOString() : value;
  }
  return undefined;
}

function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.toLowerCase() === 'true';
  return undefined;
}

function hasTags(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return asObject(value) !== undefined;
}

/** Normalise one rule in S3 JSON shape (SDK output, `mc ilm export`, capture). */
function normalizeRule(raw: unknown, index: number): LifecycleRule {
  const rule = asObject(raw) ?? {};
  const filter = asObject(rule.Filter);
  const and = asObject(filter?.And);
  let prefix = '';
  let prefixSource: LifecycleRule['prefixSource'] = 'none';
  if (typeof filter?.Prefix === 'string') {
    prefix = filter.Prefix;
    prefixSource = 'Filter.Prefix';
  } else if (typeof and?.Prefix === 'string') {
    prefix = and.Prefix;
    prefixSource = 'Filter.And.Prefix';
  } else if (typeof rule.Prefix === 'string') {
    prefix = rule.Prefix;
    prefixSource = 'Prefix';
  }
  const expiration = asObject(rule.Expiration);
  const noncurrent = asObject(rule.NoncurrentVersionExpiration);
  const transitions = rule.Transitions ?? rule.Transition;
  const noncurrentTransitions = rule.NoncurrentVersionTransitions ?? rule.NoncurrentVersionTransition;
  const normalized: LifecycleRule = {
    id: typeof rule.ID === 'string' && rule.ID !== '' ? rule.ID : `#${index + 1}`,
    // Only an explicit Disabled switches a rule off; anything else is treated as active (the safe reading).
    enabled: String(rule.Status ?? 'Enabled').toLowerCase() !== 'disabled',
    prefix,
    prefixSource,
    tagScoped: hasTags(filter?.Tag) || hasTags(and?.Tags) || hasTags(and?.Tag),
    sizeScoped: [filter?.ObjectSizeGreaterThan, filter?.ObjectSizeLessThan, and?.ObjectSizeGreaterThan, and?.ObjectSizeLessThan].some(
      (bound) => asNumber(bound) !== undefined,
    ),
    hasTransition:
      (Array.isArray(transitions) ? transitions.length > 0 : asObject(transitions) !== undefined) ||
      (Array.isArray(noncurrentTransitions) ? noncurrentTransitions.length > 0 : asObject(noncurrentTransitions) !== undefined),
  };
  const days = asNumber(expiration?.Days);
  if (days !== undefined && days > 0) normalized.expirationDays = days;
  const date = asDateIso(expiration?.Date);
  if (date !== undefined) normalized.expirationDate = date;
  const marker = asBoolean(expiration?.ExpiredObjectDeleteMarker);
  if (marker !== undefined) normalized.expiredObjectDeleteMarker = marker;
  const noncurrentDays = asNumber(noncurrent?.NoncurrentDays);
  if (noncurrentDays !== undefined) normalized.noncurrentExpirationDays = noncurrentDays;
  return normalized;
}

/**
 * Normalise lifecycle rules in S3 JSON shape. Accepts the rule array, `{ Rules: [...] }`
 * (SDK output / `mc ilm export`), or undefined/null (= no lifecycle = []).
 */
export function normalizeLifecycleRules(input: unknown): LifecycleRule[] {
  if (input === undefined || input === null) return [];
  const rules = Array.isArray(input) ? input : asObject(input)?.Rules ?? asObject(input)?.Rule;
  if (rules === undefined) return [];
  const list = Array.isArray(rules) ? rules : [rules];
  return list.map((rule, index) => normalizeRule(rule, index));
}

function xmlToJson(element: XmlElement): unknown {
  if (element.children.length === 0) return element.text;
  const out: Json = {};
  for (const item of element.children) {
    const value = xmlToJson(item);
    if (item.name === 'Tag' || item.name === 'Transition' || item.name === 'NoncurrentVersionTransition') {
      const key = item.name === 'Tag' && element.name === 'And' ? 'Tags' : item.name;
      const list = (out[key] as unknown[] | undefined) ?? [];
      list.push(value);
      out[key] = list;
    } else out[item.name] = value;
  }
  return out;
}

/**
 * Parse a `<LifecycleConfiguration>` XML document (S3/MinIO `GET ?lifecycle`). An empty
 * `<Filter/>` or `<Prefix/>` means the whole bucket. Throws Error on malformed XML.
 */
export function parseLifecycleXml(xml: string): LifecycleRule[] {
  const root = parseXml(xml);
  if (root.name !== 'LifecycleConfiguration') throw new Error(`expected <LifecycleConfiguration>, found <${root.name}>`);
  const rules = children(root, 'Rule').map((rule) => {
    const json = xmlToJson(rule);
    const object = asObject(json) ?? {};
    // An empty element comes back as '' — keep an empty <Filter/> an object (= whole bucket).
    if (child(rule, 'Filter') && typeof object.Filter === 'string') object.Filter = {};
    if (childText(rule, 'Prefix') !== undefined) object.Prefix = childText(rule, 'Prefix');
    return object;
  });
  return normalizeLifecycleRules(rules);
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

/** `<p>` of docs/velero-facts.md §1: the BSL prefix with exactly one trailing slash, or '' when there is none. */
export function veleroRoot(bslPrefix: string | undefined): string {
  const trimmed = (bslPrefix ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/**
 * Whether a rule prefix can match keys under `target` (docs/retention-and-exposure.md §4.2): the target lies inside the
 * rule's scope, or the rule's scope lies inside the target. '' matches everything.
 */
export function prefixesOverlap(rulePrefix: string, target: string): boolean {
  return target.startsWith(rulePrefix) || rulePrefix.startsWith(target);
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
function expiresCurrentObjects(rule: LifecycleRule): boolean {
  return rule.expirationDays !== undefined || rule.expirationDate !== undefined;
}

export type RetentionSeverity = 'critical' | 'fail' | 'warn' | 'info';

export interface RetentionProblem {
  severity: RetentionSeverity;
  /** The rule's id (`LifecycleRule.id`). */
  ruleId: string;
  /** Which Velero area it touches. */
  area: 'kopia' | 'backups' | 'restores' | 'other';
  message: string;
}

export interface RetentionInput {
  rules: readonly LifecycleRule[];
  /** The BSL's `spec.objectStorage.prefix` ('' or undefined = none). */
  veleroPrefix: string | undefined;
  /** The longest backup TTL in use (schedules' template ttl, backups' spec.ttl), ms. */
  longestTtlMs: number;
  /** Time Velero's GC and Kopia maintenance need after a TTL (plan.retention.gcSlack), ms. */
  gcSlackMs: number;
}

export interface RetentionAnalysis {
  /** 'fail' when any problem is critical or fail; warnings alone keep 'pass'. */
  status: 'pass' | 'fail';
  critical: boolean;
  /** Every rule's verdict, worst first. */
  problems: RetentionProblem[];
  /** One line for the report. */
  summary: string;
  /** Lines for Finding.evidence (every rule and what it reaches). */
  evidence: string[];
  /** Lines for Finding.warnings (warn-level problems). */
  warnings: string[];
  /** What to do, naming the exact rules; set when status is 'fail' or there are warnings. */
  remediation?: string;
  /** The smallest safe backstop for backups/, in days (ceil((TTL + slack) / 24h)). */
  safeBackupsDays: number;
  /** The three prefixes that were checked. */
  targets: { kopia: string; backups: string; restores: string };
}

const SEVERITY_ORDER: Record<RetentionSeverity, number> = { critical: 0, fail: 1, warn: 2, info: 3 };

/** Judge lifecycle rules against a Velero layout (see the module comment for the decision rules). */
export function analyzeRetention(input: RetentionInput): RetentionAnalysis {
  const root = veleroRoot(input.veleroPrefix);
  const targets = { kopia: `${root}kopia/`, backups: `${root}backups/`, restores: `${root}restores/` };
  const safeBackupsDays = Math.max(1, Math.ceil((input.longestTtlMs + input.gcSlackMs) / DAY_MS));
  const ttlText = formatDuration(input.longestTtlMs);
  const slackText = formatDuration(input.gcSlackMs);
  const problems: RetentionProblem[] = [];

  for (const rule of input.rules) {
    const name = describeRule(rule);
    if (!rule.enabled) {
      problems.push({ severity: 'info', ruleId: rule.id, area: 'other', message: `${name}: ignored, the rule is Disabled.` });
      continue;
    }
    const reachesKopia = prefixesOverlap(rule.prefix, targets.kopia);
    const reachesBackups = prefixesOverlap(rule.prefix, targets.backups);
    const reachesRestores = prefixesOverlap(rule.prefix, targets.restores);
    if (!reachesKopia && !reachesBackups && !reachesRestores) {
      problems.push({ severity: 'info', ruleId: rule.id, area: 'other', message: `${name}: does not reach Velero's ${root || 'bucket root '}kopia/, backups/ or restores/.` });
      continue;
    }
    if (rule.tagScoped) {
      // docs/retention-and-exposure.md §4.2: Velero and Kopia never tag objects, so a tag filter cannot match them — but verify.
      problems.push({
        severity: 'warn',
        ruleId: rule.id,
        area: reachesKopia ? 'kopia' : reachesBackups ? 'backups' : 'restores',
        message: `${name}: tag-scoped; Velero and Kopia do not tag objects, so it should never match them — verify no tooling tags objects under ${root || 'the bucket root'}.`,
      });
      continue;
    }
    if (reachesKopia) {
      if (expiresCurrentObjects(rule)) {
        problems.push({
          severity: 'critical',
          ruleId: rule.id,
          area: 'kopia',
          message:
            `${name} reaches ${targets.kopia}: Kopia packs are shared by every later snapshot and kopia.repository is written once, ` +
            `so an age-based expiration deletes data that live backups need and makes the repository unopenable, whatever the TTL` +
            (rule.sizeScoped ? ' (a size filter does not make it safe)' : '') +
            '.',
        });
      } else if (rule.hasTransition) {
        problems.push({ severity: 'warn', ruleId: rule.id, area: 'kopia', message: `${name} moves ${targets.kopia} objects to another storage class: Kopia needs instant reads, archive tiers break it.` });
      } else {
        problems.push({
          severity: 'info',
          ruleId: rule.id,
          area: 'kopia',
          message: `${name} reaches ${targets.kopia} but only removes noncurrent versions or delete markers: compatible with Kopia (it bounds the point-in-time recovery window).`,
        });
      }
    }
    if (reachesBackups && expiresCurrentObjects(rule)) {
      if (rule.expirationDate !== undefined && rule.expirationDays === undefined) {
        problems.push({
          severity: 'fail',
          ruleId: rule.id,
          area: 'backups',
          message: `${name} reaches ${targets.backups}: a fixed expiration date removes every backup from that day on, regardless of its TTL (${ttlText}).`,
        });
      } else {
        const ruleMs = rule.expirationDays! * DAY_MS;
        if (ruleMs < input.longestTtlMs) {
          problems.push({
            severity: 'fail',
            ruleId: rule.id,
            area: 'backups',
            message:
              `${name} reaches ${targets.backups} and expires after ${formatDuration(ruleMs)}, shorter than the longest TTL ${ttlText}: ` +
              'backups vanish before their TTL, the sync controller then deletes their Backup objects without forgetting the Kopia snapshots (a silent repository leak).',
          });
        } else if (ruleMs < input.longestTtlMs + input.gcSlackMs) {
          problems.push({
            severity: 'warn',
            ruleId: rule.id,
            area: 'backups',
            message:
              `${name} reaches ${targets.backups} and expires after ${formatDuration(ruleMs)}, shorter than TTL ${ttlText} + GC slack ${slackText}: ` +
              'it races Velero\'s own deletion (late-evening backups, GC delays, a ReadOnly BSL during a restore).',
          });
        } else {
          problems.push({ severity: 'info', ruleId: rule.id, area: 'backups', message: `${name} reaches ${targets.backups} as a backstop longer than TTL + slack: harmless.` });
        }
      }
    }
    if (reachesRestores && !reachesBackups && expiresCurrentObjects(rule)) {
      problems.push({ severity: 'info', ruleId: rule.id, area: 'restores', message: `${name} reaches ${targets.restores}: only restore logs and results, harmless.` });
    }
    if (reachesBackups && !reachesKopia && !expiresCurrentObjects(rule)) {
      problems.push({ severity: 'info', ruleId: rule.id, area: 'backups', message: `${name} reaches ${targets.backups} without expiring current objects.` });
    }
  }

  problems.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const critical = problems.some((problem) => problem.severity === 'critical');
  const failing = problems.filter((problem) => problem.severity === 'critical' || problem.severity === 'fail');
  const warned = problems.filter((problem) => problem.severity === 'warn');
  const status = failing.length > 0 ? 'fail' : 'pass';

  const evidence: string[] = [];
  if (input.rules.length === 0) evidence.push('No lifecycle rules: retention is left to Velero\'s TTL (the safe state).');
  for (const problem of problems) evidence.push(`[${problem.severity}] ${problem.message}`);
  evidence.push(`Longest TTL ${ttlText}; GC slack ${slackText}; checked prefixes ${targets.kopia}, ${targets.backups}, ${targets.restores}.`);

  let summary: string;
  if (critical) {
    const ids = [...new Set(problems.filter((p) => p.severity === 'critical').map((p) => `"${p.ruleId}"`))].join(', ');
    summary = `Lifecycle rule ${ids} expires objects under ${targets.kopia}: it will destroy the Kopia repository.`;
  } else if (failing.length > 0) {
    summary = `Lifecycle rule ${[...new Set(failing.map((p) => `"${p.ruleId}"`))].join(', ')} expires backups before their TTL (${ttlText}).`;
  } else if (input.rules.length === 0) summary = 'No bucket lifecycle: retention is owned by Velero\'s TTL.';
  else if (warned.length > 0) summary = `Lifecycle rules do not reach ${targets.kopia}, but ${warned.length === 1 ? 'one races' : `${warned.length} race`} Velero's TTL.`;
  else summary = `Lifecycle rules do not reach ${targets.kopia} and do not cut backups short.`;

  let remediation: string | undefined;
  if (failing.length > 0 || warned.length > 0) {
    const offending = [...new Set([...failing, ...warned].map((p) => p.ruleId))];
    remediation =
      `Remove lifecycle rule${offending.length > 1 ? 's' : ''} ${offending.map((id) => `"${id}"`).join(', ')} ` +
      `(MinIO: \`mc ilm rule rm --id <ID> ALIAS/BUCKET\`; a rule the plan declares: change plan.retention.bucketLifecycle). ` +
      `Retention belongs to Velero's TTL: no lifecycle rule is the recommended state. If you want a backstop, scope one rule to ` +
      `"${targets.backups}" only with Expiration Days >= ${safeBackupsDays} (longest TTL ${ttlText} + GC slack ${slackText}), ` +
      `e.g. \`mc ilm rule add --prefix "${targets.backups}" --expire-days ${safeBackupsDays} ALIAS/BUCKET\`; never let an expiration reach "${targets.kopia}".` +
      (critical ? ' Then check the Kopia repositories (kopia.repository, packs) and take a fresh backup: expired blobs cannot be recovered.' : '');
  }
  return {
    status,
    critical,
    problems,
    summary,
    evidence,
    warnings: warned.map((problem) => problem.message),
    remediation,
    safeBackupsDays,
    targets,
  };
}
