/**
 * Text that looks like trouble and is not: a line matching one of these never matches a failure
 * signature (docs/signatures.md, "Not failures").
 */
import type { NonFailure } from './types.ts';

export const NON_FAILURES: readonly NonFailure[] = [
  {
    id: 'plugin-recv-eof',
    pattern: /received EOF, stopping recv loop/,
    why: 'A plugin process finished; Velero logs this after every plugin call (docs troubleshooting.md).',
  },
  {
    id: 'cli-download-error',
    pattern: /<error getting (?:warnings|errors|logs|restore results|backup results)?[^>]{0,20}:/,
    why: 'The velero CLI on the user\'s machine could not download the results file from the bucket (signed URL, DNS, TLS or a CRD version skew); it says nothing about the server or the backup.',
  },
  {
    id: 'logs-not-yet-available',
    pattern: /are not available until it's finished processing/,
    why: 'The CLI\'s normal answer for a backup or restore that is still running.',
  },
  {
    id: 'restore-already-exists',
    pattern: /could not restore, .{1,300} already exists\. Warning: the in-cluster version is different than the backed-up version/,
    why: 'A restore warning: the object exists in the cluster and is kept; not a failure.',
  },
  {
    id: 'validation-errors-none',
    pattern: /Validation errors:\s+<none>/,
    why: 'No validation errors.',
  },
];
