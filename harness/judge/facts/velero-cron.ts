/**
 * A Schedule's cron as Velero reads it (docs/velero-facts.md §3 Schedule: robfig cron.ParseStandard).
 * Pure: no I/O and no clock (times are compared against the `now` a judge receives).
 */
import { CronExpressionParser } from 'cron-parser';
import { parseGoDuration } from '../../duration.ts';

export type VeleroCron =
  | {
      ok: true;
      /** IANA zone from a CRON_TZ= (or TZ=) prefix; undefined = the server's zone (UTC in the image). */
      timeZone?: string;
      /** The expression without the zone prefix, whitespace normalised. */
      expression: string;
      /** A canonical form for semantic comparison ("0 3 * * 1-5" for "0 3 * * MON-FRI"). */
      canonical: string;
      /** The first run strictly after `from`. */
      next(from: Date): Date;
      /** The last run at or before `from`; undefined for `@every`, which has no fixed times. */
      previous(from: Date): Date | undefined;
      /** The fixed interval of `@every`; cron expressions have a varying one (see cronIntervalAt). */
      everyMs?: number;
    }
  | { ok: false; problem: string };

/** Whitespace-normalised cron text: `" 0  3 * * *"` → `"0 3 * * *"`. */
function normalizeCron(cron: string): string {
  return cron.trim().split(/\s+/).join(' ');
}

const CRON_DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * Parse a Schedule's cron the way Velero does: five fields or a descriptor (@daily, @every 1h),
 * optionally prefixed with CRON_TZ=<zone>. cron-parser validates and computes the runs; the
 * field count is checked here because cron-parser also accepts 6-field (seconds) expressions,
 * which Velero rejects.
 */
export function parseVeleroCron(raw: string): VeleroCron {
  let text = normalizeCron(raw);
  let timeZone: string | undefined;
  const zone = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(text);
  if (zone) {
    timeZone = zone[1];
    text = zone[2];
  }
  const every = /^@every\s+(\S+)$/.exec(text);
  if (every) {
    const interval = parseGoDuration(every[1]);
    if (interval === undefined || interval <= 0) return { ok: false, problem: `"@every ${every[1]}" is not a positive Go duration` };
    return { ok: true, timeZone, expression: text, canonical: `@every ${interval}ms`, next: (from) => new Date(from.getTime() + interval), previous: () => undefined, everyMs: interval };
  }
  const fields = CRON_DESCRIPTORS[text] ?? text;
  if (fields.startsWith('@')) return { ok: false, problem: `unknown descriptor "${text}"` };
  const count = fields.split(' ').length;
  if (count !== 5) return { ok: false, problem: `expected 5 fields (minute hour day-of-month month day-of-week), found ${count}` };
  const tz = timeZone ?? 'UTC';
  try {
    const canonical = CronExpressionParser.parse(fields, { tz, currentDate: new Date(0) }).stringify();
    return {
      ok: true,
      timeZone,
      expression: text,
      canonical,
      next: (from) => CronExpressionParser.parse(fields, { tz, currentDate: from }).next().toDate(),
      previous: (from) => CronExpressionParser.parse(fields, { tz, currentDate: new Date(from.getTime() + 1) }).prev().toDate(),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: timeZone && /CronDate|time ?zone|timestamp/i.test(message) ? `unknown time zone "${timeZone}"` : message };
  }
}

/**
 * The interval between the run a backup started at and the schedule's next run: "0 3 * * *" gives
 * 24h, "0 3 * * 1-5" gives 72h for a Friday backup, "@every 6h" gives 6h. Times are computed in
 * the cron's CRON_TZ zone (UTC without one), so a DST change shows as 23h or 25h.
 */
export function cronIntervalAt(cron: Extract<VeleroCron, { ok: true }>, startedAt: Date): { runAt?: Date; intervalMs: number } {
  if (cron.everyMs !== undefined) return { intervalMs: cron.everyMs };
  const runAt = cron.previous(startedAt) ?? startedAt;
  return { runAt, intervalMs: cron.next(runAt).getTime() - runAt.getTime() };
}

/**
 * How a Schedule's cron compares with another (the plan's): `same` text (whitespace aside),
 * `equivalent` — the same runs in the same zone, as Velero's parser reads them ("0 3 * * MON-FRI"
 * and "0 3 * * 1-5", "@daily" and "0 0 * * *", CRON_TZ= and TZ= naming one zone) — or `different`.
 * An expression Velero rejects is equivalent to nothing but its own text.
 */
export function compareCron(observed: string, planned: string): 'same' | 'equivalent' | 'different' {
  if (normalizeCron(observed) === normalizeCron(planned)) return 'same';
  const a = parseVeleroCron(observed);
  const b = parseVeleroCron(planned);
  return a.ok && b.ok && a.canonical === b.canonical && a.timeZone === b.timeZone ? 'equivalent' : 'different';
}
