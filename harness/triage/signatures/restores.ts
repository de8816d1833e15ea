/**
 * Failure signatures of Restores and PodVolumeRestores (VV-RST-…).
 * Part of the registry assembled in harness/triage/signatures.ts, which says how entries are written.
 */
import type { Signature } from './types.ts';

export const RESTORE_SIGNATURES: readonly Signature[] = [
  {
    code: 'VV-RST-001',
    item: 'beyond.restore',
    severity: 'error',
    title: 'restore Failed',
    needles: ['found a restore with status'],
    patterns: [/found a restore with status \\?"(?<phase>\w{1,40})\\?" during the server starting, mark it as \\?"Failed\\?"/],
    phases: { kind: 'Restore', phases: ['Failed'] },
    cause: 'The restore {name|} ended Failed (a restore that was {phase|running} when the velero server restarted is marked Failed).',
    fix: 'Read `velero restore logs {name|<restore>}` and the restore\'s status.failureReason; fix that and restore again into a new namespace.',
  },
  {
    code: 'VV-RST-002',
    item: 'beyond.restore',
    severity: 'error',
    title: 'restore PartiallyFailed',
    phases: { kind: 'Restore', phases: ['PartiallyFailed', 'WaitingForPluginOperationsPartiallyFailed', 'FinalizingPartiallyFailed'] },
    cause: 'The restore {name|} ended {phase|PartiallyFailed}: some items or volume data were not restored (items restored equal to the total does not cover volume data).',
    fix: 'Read the errors with `velero restore describe {name|<restore>} --details` and `velero restore logs {name|<restore>}`; check the PodVolumeRestores.',
  },
  {
    code: 'VV-RST-003',
    item: 'beyond.restore',
    severity: 'error',
    title: 'restore FailedValidation',
    needles: ['No completed backups found for schedule'],
    patterns: [/No completed backups found for schedule/],
    phases: { kind: 'Restore', phases: ['FailedValidation'] },
    cause: 'The restore {name|} was refused before it started (FailedValidation), e.g. its backup or schedule has no completed backup or its BSL is unavailable.',
    fix: 'Read `Validation errors` in `velero restore describe {name|<restore>}`, then restore from a Completed backup.',
  },
  {
    code: 'VV-RST-004',
    item: 'beyond.restore',
    severity: 'warning',
    title: 'restore not finished',
    phases: { kind: 'Restore', phases: ['New', 'InProgress', 'WaitingForPluginOperations', 'Finalizing'] },
    cause: 'The restore {name|} is {phase|InProgress}, not Completed (New means no server picked it up).',
    fix: 'Watch `velero restore describe {name|<restore>} --details`; if PodVolumeRestores stay New, the restored pod is not running (its restore-helper init container must start).',
  },
  {
    code: 'VV-RST-005',
    item: 'beyond.restore',
    severity: 'error',
    title: 'pod volume restore failed',
    needles: ['pod volume restore failed', 'timed out waiting for all PodVolumeRestores', 'restores of pod\'s volumes', 'Failed to run data path service for PVR', 'service for DataDownload', 'found a datadownload'],
    patterns: [
      /pod volume restore failed: (?<reason>(?:[^"\\]|\\.){1,300})/,
      /timed out waiting for all PodVolumeRestores to complete/,
      /unable to successfully complete (?:restic|pod volume) restores of pod's volumes/,
      /Failed to run data path service for PVR (?<pvr>\S{1,253})/,
      /Failed to run data path service for DataDownload (?<dd>\S{1,253})/,
      /found a datadownload (?<dd>\S{1,253}) with expose error: .{0,300}mark it as cancel/,
    ],
    phases: { kind: 'PodVolumeRestore', phases: ['Failed', 'Canceled'] },
    cause: 'A PodVolumeRestore or data mover download {name|} failed or timed out, so volume data was not restored.',
    fix: 'Check that the restored pods started (the restore-helper init container waits for the data), the node agent runs on their nodes, and read the PodVolumeRestore status.message.',
  },
  {
    code: 'VV-RST-006',
    item: 'beyond.restore',
    severity: 'warning',
    title: 'pod volume restores stuck New',
    phases: { kind: 'PodVolumeRestore', phases: ['New'] },
    cause: 'PodVolumeRestores {name|} are still New: the restored pod is not running on a node with a node agent, so no data was written.',
    fix: 'Check the restored pods (`kubectl get pods -n <namespace>`): Pending pods, missing node agents or PVCs that do not bind keep their PodVolumeRestores New.',
  },
];
