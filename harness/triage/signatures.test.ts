/**
 * One case per registry entry: lines in real Velero / AWS SDK / Kopia wording that must match it
 * (with the value the cause is filled from), and a near miss that must not. Then the known
 * non-failures, which must match nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isItemId } from '../catalog.ts';
import { matchSignatures } from './match.ts';
import type { SignatureMatch } from './match/types.ts';
import { SIGNATURES, phaseSignature, signatureFor } from './signatures.ts';
import { NON_FAILURES } from './signatures/non-failures.ts';
import { signaturesMarkdown } from './signatures-doc.ts';

function run(text: string, source = 'paste.txt'): SignatureMatch[] {
  return matchSignatures(text.split('\n').map((line, index) => ({ text: line, source, line: index + 1 })));
}
const codes = (text: string, source?: string) => run(text, source).map((match) => match.code);

interface Case {
  /** Lines that show the failure, one text each (a text may hold several lines). */
  positive: string[];
  /** A value the rendered cause must contain (shows the captured values reach the cause). */
  cause?: string;
  /** Near misses: must not match this code. */
  negative: string[];
}

const BACKUP_GET = 'NAME                 STATUS            ERRORS   WARNINGS   CREATED                         EXPIRES   STORAGE LOCATION   SELECTOR';
const BACKUP_GET_118 = 'NAME        STATUS         ERRORS   WARNINGS   CREATED                         EXPIRES   STORAGE LOCATION   QUEUE POSITION   SELECTOR';
const BSL_GET = 'NAME      PROVIDER   BUCKET/PREFIX     PHASE         LAST VALIDATED                  ACCESS MODE   DEFAULT';
const backupDescribe = (phase: string, name = 'nightly-20240101') =>
  `$ velero backup describe ${name}\nName:         ${name}\nNamespace:    velero\nLabels:       velero.io/storage-location=default\n\nPhase:  ${phase}\n\nErrors:    0\nWarnings:  0`;
const restoreDescribe = (phase: string, name = 'nightly-restore') =>
  `velero restore describe ${name}\nName:         ${name}\nNamespace:    velero\n\nPhase:                       ${phase}\nTotal items to be restored:  8\nItems restored:              8`;

const CASES: Record<string, Case> = {
  'VV-BSL-000': {
    positive: [
      'time="2024-05-09T08:27:44Z" level=error msg="Current BackupStorageLocations available/unavailable/unknown: 0/1/0, BackupStorageLocation \\"default\\" is unavailable: rpc error: code = Unknown desc = unexpected EOF)" controller=backup-storage-location',
      'Status:\n  Last Validation Time:  2024-05-09T08:27:44Z\n  Phase:                 Unavailable',
      // velero#3865 (older, lower-case wording)
      'time="2021-06-10T21:09:24Z" level=error msg="Current backup storage locations available/unavailable/unknown: 0/1/0)" controller=backup-storage-location logSource="pkg/controller/backup_storage_location_controller.go:166"',
      `${BSL_GET}\ndefault   aws        velero-backups    Unavailable   2024-05-09 08:27:44 +0000 UTC   ReadWrite     true`,
    ],
    cause: 'Unavailable',
    negative: [
      'time="2024-05-09T08:27:44Z" level=info msg="BackupStorageLocations is valid, marking as available" backup-storage-location=velero/default controller=backup-storage-location',
      'time="2024-05-09T08:27:44Z" level=info msg="Current BackupStorageLocations available/unavailable/unknown: 1/0/0)"',
      `${BSL_GET}\ndefault   aws        velero-backups    Available     2024-05-09 08:27:44 +0000 UTC   ReadWrite     true`,
    ],
  },
  'VV-BSL-001': {
    positive: [
      'time="2021-03-12T18:53:41Z" level=warning msg="Unavailable backup storage locations detected: available/unavailable/unknown: 2/2/0, Backup storage location \\"default\\" is unavailable: rpc error: code = Unknown desc = InvalidAccessKeyId: \\n\\tstatus code: 403, request id: tx0000, host id: )"',
      'Message: BackupStorageLocation "default" is unavailable: rpc error: code = Unknown desc = operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: 17F2A, HostID: dd9025, api error InvalidAccessKeyId: The Access Key Id you provided does not exist in our records.',
      'Message: BackupStorageLocation "default" is unavailable: rpc error: code = Unknown desc = operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: 17F2A, HostID: dd9025, api error SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.',
    ],
    cause: 'InvalidAccessKeyId',
    negative: ['# first check for an invalid access key id in the secret', 'time="2024-01-01T00:00:00Z" level=info msg="Validating BackupStorageLocation" backup-storage-location=velero/default'],
  },
  'VV-BSL-002': {
    positive: [
      'An error occurred: some backup storage locations are invalid: backup store for location "repo-large1" is invalid: rpc error: code = Unknown desc = AccessDenied: Access Denied\n    status code: 403, request id: k73di8h0, host id: k73di8h0',
      'BackupStorageLocation "default" is unavailable: rpc error: code = Unknown desc = operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: 1, HostID: 2, api error AccessDenied: Access Denied',
      // helm-charts#578: another 403 code
      'time="2024-05-18T07:35:24Z" level=error msg="Current BackupStorageLocations available/unavailable/unknown: 0/1/0, BackupStorageLocation \\"minio\\" is unavailable: rpc error: code = Unknown desc = operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: 17D0850741E9E650, HostID: dd9025bab4ad, api error AllAccessDisabled: All access to this resource has been disabled.)" controller=backup-storage-location',
    ],
    cause: '403',
    negative: [
      'Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "velero"',
      'time="2024-01-01T00:00:00Z" level=info msg="access denied is not expected here"',
    ],
  },
  'VV-BSL-003': {
    positive: [
      'Message: BackupStorageLocation "default" is unavailable: unable to get credentials: "cloud-credentials" secret is missing data for key "cloud"',
      'time="2024-01-01T00:00:00Z" level=error msg="Error getting a backup store" error="rpc error: code = Unknown desc = NoCredentialProviders: no valid providers in chain. Deprecated."',
      'BackupStorageLocation "default" is unavailable: rpc error: code = Unknown desc = open credentials/cloud: no such file or directory',
    ],
    cause: 'cloud-credentials',
    negative: ['time="2024-01-01T00:00:00Z" level=info msg="Loading credentials from file credentials/cloud"'],
  },
  'VV-BSL-004': {
    positive: [
      'time="2017-12-19T18:09:10Z" level=error msg="error listing backups" error="rpc error: code = Unknown desc = BucketRegionError: incorrect region, the bucket is not in \'us-west-2\' region\\n\\tstatus code: 301, request id: , host id: "',
      'BackupStorageLocation "default" is unavailable: rpc error: code = Unknown desc = operation error S3: ListObjectsV2, https response error StatusCode: 301, api error PermanentRedirect: The bucket you are attempting to access must be addressed using the specified endpoint.',
    ],
    cause: 'us-west-2',
    negative: [
      // The repository layer's region problem is a repository finding (VV-REPO-006), not the BSL's.
      'Velero:    name: /db-0 message: /Error backing up item error: /failed to wait BackupRepository, errored early: backup repository is not ready: failed to detect the region via bucket: b1: operation error S3: HeadBucket, resolve auth scheme: resolve endpoint: endpoint rule error, Invalid region: region was not a valid DNS name.',
      'time="2024-01-01T00:00:00Z" level=info msg="Using region us-east-1"',
    ],
  },
  'VV-BSL-005': {
    positive: [
      'An error occurred: some backup storage locations are invalid: backup store for location "default" is invalid: rpc error: code = Unknown desc = RequestError: send request failed\ncaused by: Get http://172.21.0.9:9000/velero?delimiter=%!F(MISSING)&list-type=2&prefix=: dial tcp 172.21.0.9:9000: i/o timeout',
      'BackupStorageLocation "default" is unavailable: rpc error: code = Unknown desc = operation error S3: ListObjectsV2, https response error StatusCode: 0, RequestID: , HostID: , request send failed, Get "http://minio.minio.svc:9000/velero?list-type=2&prefix=": dial tcp: lookup minio.minio.svc on 10.96.0.10:53: no such host',
    ],
    cause: '172.21.0.9:9000',
    // velero#3282 shape (the SDK's newline escaped inside the logfmt value) is covered in match.test.ts.
    negative: [
      // The Kubernetes API timing out is not the object store.
      'time="2024-01-01T00:00:00Z" level=error msg="failed to list BackupStorageLocations" error="Get \\"https://10.96.0.1:443/apis/velero.io/v1/namespaces/velero/backupstoragelocations\\": dial tcp 10.96.0.1:443: i/o timeout"',
      'Get "https://api.example:6443/api/v1/pods": dial tcp 10.0.0.1:6443: i/o timeout',
    ],
  },
  'VV-BSL-006': {
    positive: [
      'BackupStorageLocation "default" is unavailable: rpc error: code = Unknown desc = operation error S3: ListObjectsV2, https response error StatusCode: 0, RequestID: , HostID: , request send failed, Get "https://minio.lan:9000/velero?list-type=2&prefix=": tls: failed to verify certificate: x509: certificate signed by unknown authority',
    ],
    cause: 'certificate signed by unknown authority',
    negative: [
      'time="2021-12-17T15:21:19Z" level=error msg="Error backing up item" error="restic repository is not ready: error running command=restic init --repo=s3:https://s3.lan:9091/k3s-velero/restic/ns, stderr=Fatal: create repository failed: client.BucketExists: Get \\"https://s3.lan:9091/k3s-velero/?location=\\": x509: certificate signed by unknown authority"',
    ],
  },
  'VV-BSL-007': {
    positive: ['An error occurred: some backup storage locations are invalid: error getting backup store for location "default": unable to locate ObjectStore plugin named velero.io/gcp'],
    cause: 'velero.io/gcp',
    negative: ['error="unable to locate an encoder for \\"application/yaml\\""'],
  },
  'VV-BSL-008': {
    positive: [
      'time="2022-08-12T17:20:54Z" level=error msg="Error getting a backup store" backup-storage-location=velero/default controller=backup-storage-location error="rpc error: code = Unknown desc = config has invalid keys [region]; valid keys are [kmsKeyName serviceAccount credentialsFile bucket prefix caCert]"',
    ],
    cause: '[region]',
    negative: ['time="2022-08-12T17:20:54Z" level=info msg="config keys validated" backup-storage-location=velero/default'],
  },
  'VV-BSL-009': {
    positive: [
      'An error occurred: some backup storage locations are invalid: backup store for location "default" is invalid: Backup store contains invalid top-level directories: [docker]',
      '  Message:               BackupStorageLocation "default" is unavailable: Backup store contains 5 invalid top-level directories: [a b c ...]',
    ],
    cause: 'docker',
    negative: ['time="2024-01-01T00:00:00Z" level=info msg="Backup store has the top-level directories backups, kopia"'],
  },
  'VV-BSL-010': {
    positive: [
      'An error occurred: some backup storage locations are invalid: backup store for location "default" is invalid: rpc error: code = Unknown desc = NoSuchKey: \n\tstatus code: 404, request id: tx0007c1c769, host id:',
      'BackupStorageLocation "default" is unavailable: rpc error: code = Unknown desc = operation error S3: ListObjectsV2, https response error StatusCode: 404, api error NoSuchBucket: The specified bucket does not exist',
    ],
    cause: 'NoSuchKey',
    negative: ['time="2024-01-01T00:00:00Z" level=error msg="error downloading restore results" error="NoSuchKey: The specified key does not exist."'],
  },
  'VV-BSL-011': {
    positive: ['Error: INSTALLATION FAILED: 2 errors occurred:\n\t* BackupStorageLocation.velero.io "default" is invalid: [spec.objectStorage.bucket: Required value, spec.provider: Required value]'],
    cause: 'spec.provider: Required value',
    negative: ['backupstoragelocation.velero.io/default created', 'BackupStorageLocation.velero.io "default" configured'],
  },
  'VV-BSL-012': {
    positive: [
      'time="2022-04-28T05:49:43Z" level=error msg="No backup storage locations found, at least one is required" controller=backup-sync error="no backup storage locations found"',
      'time="2024-01-01T00:00:00Z" level=warning msg="There is no existing BackupStorageLocation set as default. Please see `velero backup-location -h` for options."',
    ],
    negative: ['time="2024-01-01T00:00:00Z" level=info msg="Found 1 backup storage locations"'],
  },
  'VV-BSL-013': {
    positive: ["  Validation errors:  backup can't be created because backup storage location default is currently in read-only mode"],
    cause: 'default',
    negative: ['$ velero backup-location set default --access-mode ReadOnly'],
  },
  'VV-BSL-014': {
    positive: [
      `${BSL_GET}\ndefault   aws        velero-backups    Unknown       Unknown                         ReadWrite     true`,
      // velero#4985
      'time="2022-06-10T17:05:31+03:00" level=error msg="Current BackupStorageLocations available/unavailable/unknown: 0/0/1)" controller=backup-storage-location logSource="pkg/controller/backup_storage_location_controller.go:172"',
    ],
    cause: 'never validated',
    negative: [`${BSL_GET}\ndefault   aws        velero-backups    Available     2024-05-09 08:27:44 +0000 UTC   ReadWrite     true`],
  },
  'VV-BKP-001': {
    positive: [backupDescribe('Failed (run `velero backup logs nexus2` for more information)', 'nexus2'), `${BACKUP_GET}\nnexus2               Failed            0        0          2024-01-01 03:00:00 +0000 UTC   29d       default            <none>`],
    cause: 'nexus2',
    negative: [backupDescribe('Completed'), '$ velero backup describe b1 --details\nPhase:  Completed\n  Pod Volume Backups - kopia:\n    Completed:\n      app/web-0: data'],
  },
  'VV-BKP-002': {
    positive: [
      backupDescribe("PartiallyFailed (run 'velero backup logs nginx-backup' for more information)", 'nginx-backup'),
      backupDescribe('WaitingForPluginOperationsPartiallyFailed', 'parks1'),
      // velero#1981 (Velero 1.1 printed the error count in the STATUS cell)
      'NAME                     STATUS                       CREATED                          EXPIRES   STORAGE LOCATION   SELECTOR\ntools-bitbucket-backup   PartiallyFailed (2 errors)   2019-10-21 08:23:26 +0200 CEST   29d       default            <none>',
    ],
    cause: 'nginx-backup',
    negative: [`${backupDescribe('Completed')}\nWarnings:  3`],
  },
  'VV-BKP-003': {
    positive: [backupDescribe('FailedValidation', 'b-invalid')],
    cause: 'b-invalid',
    negative: ['kind: Schedule\nmetadata:\n  name: daily\nstatus:\n  phase: FailedValidation'],
  },
  'VV-BKP-004': {
    positive: [`${BACKUP_GET}\ntest                 New               0        0          <nil>                           29d                          <none>`],
    cause: 'test',
    negative: [`${BACKUP_GET}\ntest                 Completed         0        0          2024-01-01 03:00:00 +0000 UTC   29d       default            <none>`],
  },
  'VV-BKP-005': {
    positive: [backupDescribe('InProgress', 'stuck-1'), backupDescribe('WaitingForPluginOperations', 'dm-1')],
    cause: 'stuck-1',
    // The same backup described twice: the latest observation counts.
    negative: [`${backupDescribe('InProgress', 'b2')}\n${backupDescribe('Completed', 'b2')}`],
  },
  'VV-BKP-006': {
    positive: [
      `${BACKUP_GET_118}\nnightly-2   Queued         0        0          <nil>                           30d       default            2                <none>`,
      `${BACKUP_GET_118}\nnightly-3   ReadyToStart   0        0          <nil>                           30d       default            1                <none>`,
    ],
    cause: 'nightly-2',
    negative: [`${BACKUP_GET_118}\nnightly-1   Completed      0        0          2024-01-01 03:00:00 +0000 UTC   30d       default            0                <none>`],
  },
  'VV-BKP-007': {
    positive: ['status:\n  failureReason: found a backup with status "InProgress" during the server starting, mark it as "Failed"\n  phase: Failed'],
    cause: 'InProgress',
    negative: ['PVB is in status "InProgress" during the velero server starting, mark it as cancel'],
  },
  'VV-PVB-001': {
    positive: [
      'time="2024-08-27T06:57:23Z" level=error msg="pod volume backup failed: data path backup failed: Failed to run kopia backup: unable to get local block device entry" backup=velero/backup logSource="pkg/podvolume/backupper.go:328"',
      '  Pod Volume Backups - kopia:\n    Completed:\n      ns/app-1: data\n    Failed:\n      namespace/app-0: volume-pvc',
      '  Pod Volume Backups - kopia (specify --details for more information):\n    Completed:  2\n    Failed:  1',
    ],
    cause: 'data path backup failed',
    negative: ['time="2024-08-27T06:57:23Z" level=info msg="pod volume backup completed" backup=velero/backup', '  Pod Volume Backups - kopia:\n    Completed:\n      ns/app-1: data'],
  },
  'VV-PVB-002': {
    positive: [
      'time="2024-08-27T06:57:23Z" level=error msg="pod volume backup failed: data path backup canceled: PVB is canceled" backup=velero/backup logSource="pkg/podvolume/backupper.go:328"',
      'message: found a PVB velero/b1-abcde with expose error: pod is in Pending. mark it as cancel',
    ],
    negative: ['time="2024-01-01T00:00:00Z" level=info msg="Reconcile stopped: context canceled" controller=schedule'],
  },
  'VV-PVB-003': {
    positive: [
      'Velero:    name: /postgresql-1 message: /Error backing up item error: /failed to wait BackupRepository, errored early: backup repository is not ready: error to get identifier for repo',
    ],
    negative: ['time="2024-01-01T00:00:00Z" level=info msg="Backing up item" backup=velero/b1 name=web-0'],
  },
  'VV-PVB-004': {
    positive: [
      'time="2024-01-01T03:00:05Z" level=warning msg="Volume spire-data in pod cilium-spire/spire-server-0 is a hostPath volume which is not supported for pod volume backup, skipping" backup=velero/daily',
      'time="2024-01-01T03:00:05Z" level=info msg="volume cache is declared in pod app/web-0 but not mounted by any container, skipping" backup=velero/daily',
    ],
    cause: 'spire-data',
    negative: ['time="2024-01-01T03:00:05Z" level=info msg="Volume data in pod app/web-0 is a persistent volume claim" backup=velero/daily'],
  },
  'VV-PVB-005': {
    positive: ['time="2023-11-22T19:34:55Z" level=error msg="Error backing up item" backup=velero/manual error="node name is empty" logSource="pkg/backup/backup.go:448" name=consul-server-0'],
    negative: ['time="2023-11-22T19:34:55Z" level=info msg="pod is running on node worker-1 (node name is set)"'],
  },
  'VV-PVB-006': {
    positive: [
      'time="2024-06-01T03:10:00Z" level=error msg="Failed to run data path service for DataUpload daily-20240601-x7k2p: error to initialize data path: error to boost backup repository connection" logSource="pkg/cmd/cli/datamover/backup.go:253"',
      'message: found a du velero/daily-20240601-x7k2p with expose error: pod is in Pending. mark it as cancel',
    ],
    cause: 'daily-20240601-x7k2p',
    negative: ['time="2024-06-01T03:10:00Z" level=info msg="Data upload completed" dataupload=velero/daily-20240601-x7k2p'],
  },
  'VV-NA-001': {
    positive: [
      'time="2024-01-01T00:00:00Z" level=warning msg="Velero node agent not found for linux nodes; pod volume backups/restores and data mover backups/restores will not work until it\'s created" logSource="pkg/cmd/server/server.go:500"',
      // velero#6900 (1.10–1.14 wording)
      'time="2023-09-29T14:24:21Z" level=warning msg="Velero node agent not found; pod volume backups/restores will not work until it\'s created" logSource="pkg/cmd/server/server.go:571"',
      'time="2021-01-01T00:00:00Z" level=warning msg="Velero restic daemonset not found; restic backups/restores will not work until it\'s created" logSource="pkg/cmd/server/server.go:480"',
    ],
    cause: 'linux',
    negative: ['time="2024-01-01T00:00:00Z" level=info msg="Velero node agent found for linux nodes"'],
  },
  'VV-NA-002': {
    positive: [
      'time="2023-02-17T06:57:00Z" level=error msg="Error backing up item" backup=velero/epa error="daemonset pod not found in running state in node trident"',
      // velero#6763
      'time="2023-08-21T13:02:40Z" level=error msg="Error backing up item" backup=velero-c929ca60/manual-20230821t130212294z error="daemonset pod not found in running state in node jed2-cls02-control-plane-node-pool-p9pdh" error.file="/go/src/github.com/vmware-tanzu/velero/pkg/nodeagent/node_agent.go:86"',
    ],
    cause: 'trident',
    negative: ['time="2023-02-17T06:57:00Z" level=info msg="daemonset pod found in running state in node trident"'],
  },
  'VV-NA-003': {
    positive: [
      'time="2024-03-25T17:36:20Z" level=info msg="Starting Velero node-agent server v1.13.1 (ea5a89f)" logSource="pkg/cmd/cli/nodeagent/server.go:108"\nAn error occurred: pods is forbidden: User "system:serviceaccount:default:velero-service-account" cannot list resource "pods" in API group "" at the cluster scope',
    ],
    cause: 'system:serviceaccount:default:velero-service-account',
    // Without knowing which program logged it, the line is not attributed.
    negative: ['An error occurred: pods is forbidden: User "system:serviceaccount:default:velero" cannot list resource "pods" in API group "" at the cluster scope'],
  },
  'VV-NA-004': {
    positive: ['NAME               READY   STATUS             RESTARTS   AGE\nnode-agent-7pzxg   0/1     CrashLoopBackOff   12         40m'],
    cause: 'node-agent-7pzxg',
    negative: ['NAME               READY   STATUS    RESTARTS   AGE\nnode-agent-7pzxg   1/1     Running   0          2m59s'],
  },
  'VV-NA-005': {
    // A real kubectl describe ds event (docs/velero-facts.md, "Pod Security admission and the node agent").
    positive: ['  Warning  FailedCreate  8s     daemonset-controller  Error creating: pods "node-agent-rf29v" is forbidden: violates PodSecurity "baseline:v1.32": hostPath volumes (volumes "host-pods", "host-plugins")'],
    cause: 'forbids hostPath volumes (volumes "host-pods", "host-plugins")',
    negative: ['  Normal  SuccessfulCreate  8s  daemonset-controller  Created pod: node-agent-rf29v', 'Error creating: pods "myapp-7d9f8" is forbidden: violates PodSecurity "baseline:v1.32": hostPath volumes (volumes "data")'],
  },
  'VV-POD-001': {
    positive: [
      'velero-1592776490-f7654cbd8-245lr   0/1     CrashLoopBackOff   36',
      'pod/velero-57cfdf6bc5-8m9ts                                           0/1     Init:CrashLoopBackOff   4 (61s ago)   2m44s',
      'NAMESPACE   NAME                      READY   STATUS             RESTARTS   AGE\nvelero      velero-7d9c5b8f6-abcde    0/1     ImagePullBackOff   0          5m',
    ],
    cause: 'velero-1592776490-f7654cbd8-245lr',
    negative: [
      'velero-65d8b9984d-7btfk   1/1     Running     0          32m',
      'minio-setup-9zzm2         0/1     Completed   0          81m',
      'pod/72c1f751f93048fc2770ece02783ad3d8a8695ff06eac5e1b5fa4cd02cgwtxb   0/1     Completed   0          5m9s',
    ],
  },
  'VV-POD-002': {
    positive: ['time="2024-01-01T00:00:00Z" level=info msg="Starting Velero server v1.14.0 (abc)" logSource="pkg/cmd/cli/server/server.go:212"\nAn error occurred: backupstoragelocations.velero.io is forbidden: User "system:serviceaccount:velero:default" cannot list resource "backupstoragelocations" in API group "velero.io"'],
    cause: 'system:serviceaccount:velero:default',
    negative: ['time="2024-03-25T17:36:20Z" level=info msg="Starting Velero node-agent server v1.13.1"\nAn error occurred: pods is forbidden: User "system:serviceaccount:velero:node" cannot list resource "pods"'],
  },
  'VV-REPO-001': {
    positive: ['time="2024-07-02T08:27:54Z" level=error msg="An error occurred when running repo prune" error="failed to boost repo connect: error to connect backup repo: error to connect repo with storage: error to connect to repository: repository not initialized in the provided storage"'],
    negative: ['time="2024-07-02T08:27:54Z" level=info msg="repository initialized" repo=ns-default-kopia'],
  },
  'VV-REPO-002': {
    positive: [
      'error="failed to wait BackupRepository, timeout exceeded: backup repository not provisioned"',
      'apiVersion: velero.io/v1\nkind: BackupRepository\nmetadata:\n  name: app-default-kopia-x2k4p\n  namespace: velero\nstatus:\n  message: "error to connect backup repo: unexpected EOF"\n  phase: NotReady',
    ],
    negative: ['apiVersion: velero.io/v1\nkind: BackupRepository\nmetadata:\n  name: app-default-kopia-x2k4p\nstatus:\n  phase: Ready'],
  },
  'VV-REPO-003': {
    positive: [
      'time="2024-07-02T08:27:54Z" level=error msg="An error occurred when running repo prune" error="failed to prune repo: unexpected EOF"',
      // velero#8110, behind a log collector's timestamp
      '2024-08-13T06:08:56.920458025Z time="2024-08-13T06:08:56Z" level=error msg="An error occurred when running repo prune" error="failed to prune repo: error to prune backup repo: error to maintain repo: error to run maintenance under mode auto: maintenance must be run by designated user: " logSource="pkg/cmd/cli/repomantenance/maintenance.go:72"',
      'NAME                                            READY   STATUS   RESTARTS   AGE\napp-default-kopia-x2k4p-maintain-job-1719907200-k8s9x   0/1     Error    0          2h',
    ],
    negative: ['time="2024-07-02T08:27:54Z" level=info msg="Running maintenance on backup repository" repo=app-default-kopia', 'app-default-kopia-x2k4p-maintain-job-1719907200-k8s9x   0/1     Completed    0          2h'],
  },
  'VV-REPO-004': {
    positive: ['time="2024-11-26T23:52:00Z" level=warning msg="Found too many index blobs (2438), this may result in degraded performance.\\n\\nPlease ensure periodic repository maintenance is enabled or run \'kopia maintenance\'." logModule=kopia/kopia/format sublevel=error'],
    cause: '2438',
    negative: ['time="2024-11-26T23:52:00Z" level=info msg="index blobs compacted (12)" logModule=kopia/kopia/format'],
  },
  'VV-REPO-005': {
    positive: ['time="2021-12-17T15:21:19Z" level=error msg="Error backing up item" error="restic repository is not ready: error running command=restic init --repo=s3:https://s3.lan:9091/k3s-velero/restic/ns, stderr=Fatal: create repository failed: client.BucketExists: Get \\"https://s3.lan:9091/k3s-velero/?location=\\": x509: certificate signed by unknown authority"'],
    cause: 'certificate signed by unknown authority',
    negative: ['BackupStorageLocation "default" is unavailable: rpc error: code = Unknown desc = operation error S3: ListObjectsV2, request send failed, Get "https://minio.lan:9000/velero?list-type=2": tls: failed to verify certificate: x509: certificate signed by unknown authority'],
  },
  'VV-REPO-006': {
    positive: ['Velero:    name: /postgresql-1 message: /Error backing up item error: /failed to wait BackupRepository, errored early: backup repository is not ready: error to get identifier for repo x: failed to detect the region via bucket: oadp98581bxgnc: operation error S3: HeadBucket'],
    cause: 'oadp98581bxgnc',
    negative: ['time="2024-01-01T00:00:00Z" level=info msg="region detected via bucket: us-east-1"'],
  },
  'VV-REPO-007': {
    positive: ['error="cannot create new backup repo for read-only backup storage location velero/default"'],
    cause: 'velero/default',
    negative: ["backup can't be created because backup storage location default is currently in read-only mode"],
  },
  'VV-REPO-008': {
    positive: ['error="error to connect backup repo: error to connect repo with storage: error to connect to repository: invalid repository password"'],
    negative: ['time="2024-01-01T00:00:00Z" level=info msg="repository password read from secret velero-repo-credentials"'],
  },
  'VV-RST-001': {
    positive: [restoreDescribe('Failed', 'r-failed'), 'status:\n  failureReason: found a restore with status "InProgress" during the server starting, mark it as "Failed"'],
    cause: 'r-failed',
    negative: [restoreDescribe('Completed', 'r-ok')],
  },
  'VV-RST-002': {
    positive: [
      // velero#5325
      `$ velero get restore\nNAME               BACKUP    STATUS            STARTED                         COMPLETED                       ERRORS   WARNINGS   CREATED                         SELECTOR\ntest-ns-restore    test-ns   PartiallyFailed   2022-09-20 22:52:57 +0000 UTC   2022-09-20 22:53:30 +0000 UTC   1        0          2022-09-20 22:52:56 +0000 UTC   <none>`,
      `restore_describe_data-1-20221108160411.txt \n\nName:         data-1-20221108160411\nNamespace:    velero\n\nPhase:                       PartiallyFailed (run 'velero restore logs data-1-20221108160411' for more information)\nTotal items to be restored:  8\nItems restored:              8`,
    ],
    cause: 'test-ns-restore',
    negative: [`${restoreDescribe('Completed')}\nWarnings:\n  Namespaces:\n    app:  could not restore, ConfigMap "kube-root-ca.crt" already exists. Warning: the in-cluster version is different than the backed-up version.`],
  },
  'VV-RST-003': {
    positive: [restoreDescribe('FailedValidation', 'r-invalid'), 'status:\n  validationErrors:\n  - No completed backups found for schedule'],
    negative: [restoreDescribe('Completed')],
  },
  'VV-RST-004': {
    positive: [restoreDescribe('InProgress', 'r-running')],
    cause: 'r-running',
    negative: [`${restoreDescribe('InProgress', 'r1')}\n${restoreDescribe('Completed', 'r1')}`],
  },
  'VV-RST-005': {
    positive: [
      'time="2024-01-01T00:00:00Z" level=error msg="unable to successfully complete pod volume restores of pod\'s volumes" error="pod volume restore failed: error to initialize data path"',
      'timed out waiting for all PodVolumeRestores to complete',
      'time="2024-01-01T00:00:00Z" level=error msg="Failed to run data path service for DataDownload r1-abcde: error to initialize data path" logSource="pkg/cmd/cli/datamover/restore.go:250"',
      // velero#4754
      'time="2022-03-18T15:08:59Z" level=error msg="unable to successfully complete restic restores of pod\'s volumes" error="error getting persistent volume claim for volume: persistentvolumeclaims \\"mysql-pv-claim\\" not found" logSource="pkg/restore/restore.go:1438" restore=qiming-backend/partial-pv1-rqj7t-22qf9',
      // velero#5325
      'Restic Restores:\n  Failed:\n    test-ns/test-bvsr-8fc89d8c55-9gjd4: test-pvc',
    ],
    negative: ['kopia Restores:\n    Completed:\n      app/web-0: data'],
  },
  'VV-RST-006': {
    positive: [`${restoreDescribe('InProgress', 'r-new')}\n\nkopia Restores:\n    New:\n      app/web-0: data`],
    cause: 'app/web-0',
    negative: [`${restoreDescribe('Completed', 'r-done')}\n\nkopia Restores:\n    Completed:\n      app/web-0: data`],
  },
  'VV-SCH-001': {
    positive: [
      'kind: Schedule\nmetadata:\n  name: daily\nstatus:\n  phase: FailedValidation\n  validationErrors:\n  - "invalid schedule: expected 5 to 6 fields, found 1: @dailyy"',
      'NAME    STATUS             CREATED                         SCHEDULE    BACKUP TTL   LAST BACKUP   SELECTOR   PAUSED\ndaily   FailedValidation   2024-01-01 00:00:00 +0000 UTC   @dailyy     720h0m0s     n/a           <none>     false',
    ],
    cause: 'daily',
    negative: ['kind: Schedule\nmetadata:\n  name: daily\nstatus:\n  phase: Enabled'],
  },
  'VV-SCH-002': {
    positive: ['Status:\n  Phase:  FailedValidation\n  Validation Errors:\n    invalid schedule: Expected exactly 5 fields, found 6: CRON_TZ=America/New_York 0 3 * * *'],
    cause: 'CRON_TZ=America/New_York 0 3 * * *',
    negative: ['Spec:\n  Schedule:          CRON_TZ=America/New_York 0 3 * * *'],
  },
  'VV-SCH-003': {
    positive: ["status:\n  phase: FailedValidation\n  validationErrors:\n    - 'invalid schedule: Expected exactly 5 fields, found 6: 0 0 4 * * *"],
    cause: '0 0 4 * * *',
    negative: ['spec:\n  schedule: 0 0 4 * * *'],
  },
  'VV-SCH-004': {
    positive: [
      'NAME           STATUS    CREATED                         SCHEDULE    BACKUP TTL   LAST BACKUP   SELECTOR   PAUSED\nvelero-daily   Enabled   2024-01-01 00:00:00 +0000 UTC   0 3 * * *   336h0m0s     20h ago       <none>     true',
      '$ velero schedule describe velero-daily\nName:         velero-daily\nPaused:  true',
    ],
    cause: 'velero-daily',
    negative: ['NAME           STATUS    CREATED                         SCHEDULE    BACKUP TTL   LAST BACKUP   SELECTOR   PAUSED\nvelero-daily   Enabled   2024-01-01 00:00:00 +0000 UTC   0 3 * * *   336h0m0s     20h ago       <none>     false'],
  },
  'VV-DEL-001': {
    positive: [`$ velero get backups\n${BACKUP_GET}\nmy-backup-name       Deleting          0        0          2022-01-19 13:00:40 +0100 CET   29d       default            <none>`],
    cause: 'my-backup-name',
    negative: [`${BACKUP_GET}\nmy-backup-name       Deleting          0        0          2022-01-19 13:00:40 +0100 CET   29d       default            <none>\n\n${BACKUP_GET}\nmy-backup-name       Completed         0        0          2022-01-19 13:00:40 +0100 CET   29d       default            <none>`],
  },
  'VV-DEL-002': {
    positive: ['time="2024-01-01T00:00:00Z" level=error msg="Reconciler error" controller=gc error="bsl default is unavailable, cannot gc backup"'],
    cause: 'default',
    negative: ['time="2024-01-01T00:00:00Z" level=info msg="Backup has expired, deleting" controller=gc backup=velero/old'],
  },
};

describe('the failure-signature registry', () => {
  it('has stable, unique codes, each failing a catalog item, with a cause and a fix', () => {
    const seen = new Set<string>();
    for (const signature of SIGNATURES) {
      expect(signature.code).toMatch(/^VV-[A-Z]{2,4}-\d{3}$/);
      expect(seen.has(signature.code), signature.code).toBe(false);
      seen.add(signature.code);
      expect(isItemId(signature.item), `${signature.code} item ${signature.item}`).toBe(true);
      expect(signature.patterns?.length || signature.phases, `${signature.code} matches nothing`).toBeTruthy();
      if (signature.patterns) expect(signature.needles?.length, `${signature.code} needs needles`).toBeTruthy();
      expect(signature.cause).toMatch(/\.$/);
      expect(signature.fix.length).toBeGreaterThan(20);
    }
  });

  it('has a test case for every entry, and no case for an entry that does not exist', () => {
    expect(Object.keys(CASES).sort()).toEqual(SIGNATURES.map((signature) => signature.code).sort());
  });

  it('looks up entries by code and by phase', () => {
    expect(signatureFor('VV-BKP-002').title).toBe('backup PartiallyFailed');
    expect(phaseSignature('Backup', 'PartiallyFailed')?.code).toBe('VV-BKP-002');
    expect(phaseSignature('Restore', 'PartiallyFailed')?.code).toBe('VV-RST-002');
    expect(phaseSignature('BackupStorageLocation', 'Unknown')?.code).toBe('VV-BSL-014');
    expect(phaseSignature('Backup', 'Completed')).toBeUndefined();
    expect(phaseSignature('BackupStorageLocation', 'Available')).toBeUndefined();
    expect(() => signatureFor('VV-NOPE-999')).toThrow(/Unknown failure signature code "VV-NOPE-999"/);
  });

  for (const [code, testCase] of Object.entries(CASES)) {
    describe(code, () => {
      testCase.positive.forEach((text, index) => {
        it(`matches real wording #${index + 1}`, () => {
          const matches = run(text);
          const match = matches.find((entry) => entry.code === code);
          expect(match, `${code} on:\n${text}\ngot ${matches.map((entry) => entry.code).join(', ')}`).toBeDefined();
          expect(match?.item).toBe(signatureFor(code).item);
          expect(match?.evidence.length).toBeGreaterThan(0);
          expect(match?.evidence[0].source).toBe('paste.txt');
          for (const line of match?.evidence ?? []) expect(text.split('\n')[line.line - 1]).toBeDefined();
          expect(match?.cause).not.toMatch(/[{}]|<[a-z]+>/);
          expect(match?.fix).not.toMatch(/\{\w+(\|[^}]*)?\}/);
          if (index === 0 && testCase.cause) expect(match?.cause).toContain(testCase.cause);
        });
      });
      testCase.negative.forEach((text, index) => {
        it(`does not match near miss #${index + 1}`, () => {
          expect(codes(text)).not.toContain(code);
        });
      });
    });
  }
});

describe('known non-failures', () => {
  const samples: Record<string, string> = {
    'plugin-recv-eof': 'time="2024-01-01T00:00:00Z" level=debug msg="received EOF, stopping recv loop" backupLocation=velero/default cmd=/plugins/velero-plugin-for-aws controller=backup-sync err="rpc error: code = Unavailable desc = error reading from server: EOF"',
    'cli-download-error':
      'Warnings:  <error getting warnings: Get "https://minio.example:9000/velero/backups/b1/b1-results.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256": dial tcp: lookup minio.velero.svc on 8.8.8.8:53: no such host>',
    'logs-not-yet-available': 'Logs for backup "backup-20201204040046" are not available until it\'s finished processing. Please wait until the backup has a phase of Completed or Failed and try again.',
    'restore-already-exists': '    app:  could not restore, ConfigMap "kube-root-ca.crt" already exists. Warning: the in-cluster version is different than the backed-up version.',
    'validation-errors-none': 'Validation errors:  <none>',
  };

  it('has a sample for every entry', () => {
    expect(Object.keys(samples).sort()).toEqual(NON_FAILURES.map((entry) => entry.id).sort());
  });

  for (const entry of NON_FAILURES) {
    it(`${entry.id} matches no signature`, () => {
      expect(entry.pattern.test(samples[entry.id])).toBe(true);
      expect(run(samples[entry.id])).toEqual([]);
    });
  }

  it('a CLI x509 failure fetching results is the workstation, not the BSL', () => {
    expect(codes('Warnings:  <error getting warnings: Get "https://minio:9000/test1/velero/backups/p/p-results.gz?X-Amz-Credential=x": tls: failed to verify certificate: x509: certificate signed by unknown authority>')).toEqual([]);
  });

  it('warnings on a Completed backup are not a failure', () => {
    expect(run(`${backupDescribe('Completed')}\nWarnings:\n  Velero:     <none>\n  Cluster:    <none>\n  Namespaces:\n    app:   resource: /pods name: /web-0 message: /volume is not mounted`)).toEqual([]);
  });

  it('a plain "error" or logfmt level=error alone is not a signature', () => {
    expect(run('time="2024-01-01T00:00:00Z" level=error msg="Error in syncHandler, re-adding item to queue" error="something went wrong"\nERROR: something failed\nerror: exit status 1')).toEqual([]);
  });

  it('finished Job pods (Completed) are not failures', () => {
    expect(run('NAME                                 READY   STATUS      RESTARTS   AGE\nvelero-7d9c5b8f6-abcde               1/1     Running     0          1d\nnode-agent-x7k2p                     1/1     Running     0          1d\napp-default-kopia-maintain-job-17   0/1     Completed   0          3h')).toEqual([]);
  });

  it('items backed up == total on a Failed backup proves nothing: the phase decides', () => {
    const matches = run(`${backupDescribe('Failed', 'b-f')}\nTotal items to be backed up:  85\nItems backed up:              85`);
    expect(matches.map((match) => match.code)).toEqual(['VV-BKP-001']);
  });

  it('a BSL phase Unknown is "not validated" (a bsl-available failure), not a credentials one', () => {
    const matches = run(`${BSL_GET}\ndefault   aws        velero-backups    Unknown       Unknown                         ReadWrite     true`);
    expect(matches.map((match) => match.code)).toEqual(['VV-BSL-014']);
    expect(matches[0].item).toBe('dod.bsl-available');
    expect(matches[0].cause).toContain('never validated');
  });
});

describe('docs/signatures.md', () => {
  it('is the registry rendered (regenerate with `npx tsx scripts/signatures-doc.ts`)', () => {
    const onDisk = readFileSync(join(import.meta.dirname, '../../docs/signatures.md'), 'utf8');
    expect(onDisk).toBe(signaturesMarkdown());
    for (const signature of SIGNATURES) expect(onDisk).toContain(`| \`${signature.code}\` | \`${signature.item}\` |`);
  });
});
