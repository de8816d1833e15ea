/**
 * Failure signatures of Schedules (VV-SCH-…): a schedule that creates no backups.
 * Part of the registry assembled in harness/triage/signatures.ts, which says how entries are written.
 */
import type { Signature } from './types.ts';

export const SCHEDULE_SIGNATURES: readonly Signature[] = [
  {
    code: 'VV-SCH-001',
    item: 'must.schedule',
    severity: 'error',
    title: 'schedule FailedValidation',
    needles: ['invalid schedule: '],
    patterns: [/invalid schedule: (?<reason>[^"']{1,200})/],
    phases: { kind: 'Schedule', phases: ['FailedValidation'] },
    fallback: true,
    cause: 'The schedule {name|} is FailedValidation, so it never creates backups (reason: {reason|not shown}).',
    fix: 'Correct `spec.schedule` (five cron fields, e.g. `0 3 * * *`) and check `velero schedule get` shows Enabled.',
  },
  {
    code: 'VV-SCH-002',
    item: 'must.schedule',
    severity: 'error',
    title: 'cron with a time zone prefix',
    needles: ['Expected exactly 5 fields, found 6'],
    patterns: [/invalid schedule: Expected exactly 5 fields, found 6: (?<expr>(?:CRON_TZ|TZ)=\S{1,80} [^'"]{1,80})/],
    cause: 'The schedule "{expr}" has a CRON_TZ=/TZ= prefix, which this Velero version does not accept.',
    fix: 'Drop the prefix and write the time in the server\'s zone (UTC), or upgrade to a Velero release that accepts CRON_TZ (1.15+).',
  },
  {
    code: 'VV-SCH-003',
    item: 'must.schedule',
    severity: 'error',
    title: 'cron with a seconds field',
    needles: ['Expected exactly 5 fields, found 6'],
    patterns: [/invalid schedule: Expected exactly 5 fields, found 6: (?<expr>[\d*/,?-]{1,20}(?: [\w*/,?-]{1,20}){5})/],
    unless: [/TZ=/],
    cause: 'The schedule "{expr}" has six fields (a seconds field, Quartz/Spring style); Velero takes standard five-field cron.',
    fix: 'Remove the leading seconds field: e.g. `0 0 4 * * *` becomes `0 4 * * *`.',
  },
  {
    code: 'VV-SCH-004',
    item: 'must.schedule',
    severity: 'error',
    title: 'schedule paused',
    phases: { kind: 'Schedule', phases: ['Paused'] },
    cause: 'The schedule {name|} is paused, so it creates no backups.',
    fix: 'Resume it: `velero schedule unpause {name|<schedule>}` (or `spec.paused: false`).',
  },
];
