/**
 * Lifecycle rules as S3 and MinIO write them, normalised to `LifecycleRule`. Pure: no I/O.
 * - `normalizeLifecycleRules(x)`: the S3 JSON shape — `GetBucketLifecycleConfiguration` output of
 *   @aws-sdk/client-s3, `mc ilm export`, or a capture (accepts the rule array or `{ Rules: [...] }`);
 * - `parseLifecycleXml(xml)`: the XML document S3/MinIO serve on `GET /<bucket>?lifecycle`.
 */
import { child, children, childText, parseXml, type XmlElement } from '../../bucket/xml.ts';
import type { LifecycleRule } from './rule.ts';

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
