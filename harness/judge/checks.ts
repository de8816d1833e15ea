/**
 * The accumulator a judge fills while it checks an item: evidence lines, problems (any one fails
 * the item), remediation lines (each once), warnings, and whether a problem is critical.
 */
export interface Checks {
  evidence: string[];
  problems: string[];
  remediation: string[];
  warnings: string[];
  critical: boolean;
}

export function newChecks(): Checks {
  return { evidence: [], problems: [], remediation: [], warnings: [], critical: false };
}

/** Add a remediation line once. */
export function remedy(checks: Checks, line: string): void {
  if (!checks.remediation.includes(line)) checks.remediation.push(line);
}
