/**
 * How the chart's Go templates read values, for deriving what Helm would render without Helm:
 * a dotted `.Values` path, `if`/`with` truthiness and `quote`.
 */

export type Values = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getPath(values: Values, path: string): unknown {
  let current: unknown = values;
  for (const part of path.split('.')) {
    if (!isPlainObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** Go template truthiness (`if` / `with`): false, 0, "", nil and empty collections are false. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** Helm's `quote` of a scalar. */
export function quoted(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value).replace(/^"|"$/g, '');
}
