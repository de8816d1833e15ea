/**
 * Failure signatures of the node agent (VV-NA-…): the DaemonSet that reads pod volumes for
 * file-system backup.
 * Part of the registry assembled in harness/triage/signatures.ts, which says how entries are written.
 */
import type { Signature } from './types.ts';
import { POD_STATUS_NEEDLES } from './markers.ts';

export const NODE_AGENT_SIGNATURES: readonly Signature[] = [
  {
    code: 'VV-NA-001',
    item: 'must.fsb-kopia',
    severity: 'error',
    title: 'node agent not deployed',
    needles: ['node agent not found', 'restic daemonset not found'],
    patterns: [
      // 1.15+ names the OS; 1.10–1.14 print `Velero node agent not found; …`; before 1.10 the DaemonSet was restic's.
      /Velero node agent not found(?: for (?<os>linux|Windows) nodes)?;/,
      /Velero restic daemonset not found;/,
    ],
    cause: 'The node-agent DaemonSet does not exist (for {os|linux} nodes), so pod volume backups and restores cannot run.',
    fix: 'Deploy the node agent (`velero install --use-node-agent`; chart: `deployNodeAgent: true`).',
  },
  {
    code: 'VV-NA-002',
    item: 'must.fsb-kopia',
    severity: 'error',
    title: 'node agent missing on a node',
    needles: ['not found in running state in node', 'is not running in node'],
    patterns: [
      /daemonset pod not found in running state in node (?<node>[\w.:-]{1,253})/,
      /node-agent (?:pod )?is not running in node (?<node>[\w.:-]{1,253})/,
    ],
    distinctBy: ['node'],
    cause: 'No running node-agent pod on node {node|}, so volumes of pods on that node cannot be backed up or restored.',
    fix: 'Check `kubectl -n velero get pods -l name=node-agent -o wide`: give the DaemonSet tolerations/nodeSelector for that node (chart: `nodeAgent.tolerations`) and fix the pod if it is not Running.',
  },
  {
    code: 'VV-NA-003',
    item: 'must.fsb-kopia',
    severity: 'error',
    title: 'node agent lacks RBAC',
    needles: ['is forbidden'],
    patterns: [/(?<resource>[\w.]{1,100}) is forbidden: User "(?<user>[^"]{1,253})" cannot (?<verb>\w{1,20}) resource/],
    component: 'node-agent',
    cause: 'The node agent runs as {user}, which may not {verb} {resource}; it exits at start.',
    fix: 'Run the node agent with the service account Velero installs (bound to the velero ClusterRole), in the namespace the role binding names.',
  },
  {
    code: 'VV-NA-004',
    item: 'must.fsb-kopia',
    severity: 'error',
    title: 'node-agent pod not running',
    // Row shapes, never log lines: the needles are the failing statuses (names like velero- are in every log line).
    needles: POD_STATUS_NEEDLES,
    patterns: [/^\s*(?:[a-z0-9][a-z0-9-]{0,62}\s+)?(?:pod\/)?(?<pod>(?:node-agent|restic)-[a-z0-9]{3,10})\s+\d+\/\d+\s+(?<status>CrashLoopBackOff|Error|ImagePullBackOff|ErrImagePull|OOMKilled|CreateContainerConfigError|Init:(?:CrashLoopBackOff|Error|ImagePullBackOff|ErrImagePull|OOMKilled))\s/],
    distinctBy: ['pod'],
    cause: 'The node-agent pod {pod} is {status}, so file-system backups on its node fail.',
    fix: 'Read `kubectl -n velero describe pod {pod}` and `kubectl -n velero logs {pod} --previous` for the reason.',
  },
  {
    code: 'VV-NA-005',
    item: 'beyond.node-agent-admitted',
    severity: 'error',
    title: 'node-agent pods refused by Pod Security admission',
    // The DaemonSet controller's FailedCreate event (kubectl describe ds / get events); docs/velero-facts.md, "Pod Security admission and the node agent".
    needles: ['violates PodSecurity'],
    patterns: [/pods "(?<pod>(?:node-agent|restic)-[a-z0-9]{3,10})" is forbidden: violates PodSecurity "(?<level>[a-z]+):[^"]*": (?<what>.+?)\s*$/],
    distinctBy: ['pod'],
    cause: 'Pod Security admission refuses the node agent\'s pod {pod}: the namespace enforces {level}, which forbids {what}.',
    fix: 'Label the Velero namespace privileged: `namespace.labels: {pod-security.kubernetes.io/enforce: privileged}` in the Helm values, or `kubectl label namespace velero pod-security.kubernetes.io/enforce=privileged --overwrite`.',
  },
];
