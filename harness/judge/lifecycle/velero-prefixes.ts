/** Where Velero writes in its bucket (`<p>kopia/`, `<p>backups/`, …) and whether a rule prefix reaches it. */

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
