/**
 * Failure signatures of the velero server pod (VV-POD-…).
 * Part of the registry assembled in harness/triage/signatures.ts, which says how entries are written.
 */
import type { Signature } from './types.ts';
import { POD_STATUS_NEEDLES } from './markers.ts';

export const SERVER_POD_SIGNATURES: readonly Signature[] = [
  {
    code: 'VV-POD-001',
    item: 'dod.pods-running',
    severity: 'error',
    title: 'velero pod not running',
    needles: POD_STATUS_NEEDLES,
    patterns: [/^\s*(?:[a-z0-9][a-z0-9-]{0,62}\s+)?(?:pod\/)?(?<pod>velero-[a-z0-9]{1,20}(?:-[a-z0-9]{1,20}){1,3})\s+\d+\/\d+\s+(?<status>CrashLoopBackOff|Error|ImagePullBackOff|ErrImagePull|OOMKilled|CreateContainerConfigError|Init:(?:CrashLoopBackOff|Error|ImagePullBackOff|ErrImagePull|OOMKilled))\s/],
    unless: [/maintain-job/],
    distinctBy: ['pod'],
    cause: 'The velero server pod {pod} is {status}: the server is not running, so nothing is backed up.',
    fix: 'Read `kubectl -n velero logs {pod} --previous` (and `-c <plugin init container>` for Init: states): usually an invalid BSL at start-up, a missing plugin image or RBAC.',
  },
  {
    code: 'VV-POD-002',
    item: 'dod.pods-running',
    severity: 'error',
    title: 'velero server lacks RBAC',
    needles: ['is forbidden'],
    patterns: [/(?<resource>[\w.]{1,100}) is forbidden: User "(?<user>[^"]{1,253})" cannot (?<verb>\w{1,20}) resource/],
    component: 'server',
    cause: 'The velero server runs as {user}, which may not {verb} {resource}.',
    fix: 'Run the server with the service account Velero installs, bound to its ClusterRole (chart: `rbac.create: true`, `serviceAccount.server.create: true`).',
  },
];
