import { afterAll, describe, expect, it } from 'vitest';
import { findDoc as find, judgeRendered, removeRenderedDirs } from '../../fixtures/manifests/one-change.ts';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { base64, FAKE_CREDENTIALS_FILE } from '../../fixtures/snapshots/homelab/secrets.ts';
import type { BackupPlanInput } from '../plan.ts';
import { defaultPlan } from '../plan.ts';
import { collectSnapshot } from '../targets/snapshot.ts';
import { credentialsFileSource, judgeK8sSecrets } from './guard-k8s-secrets.ts';
import { judgeItem } from './index.ts';

function veleroPodSpec(capture: Capture): any {
  return capture.find('Deployment', 'velero').spec.template.spec;
}

function judge(edit: (capture: Capture) => void, plan?: Record<string, unknown>) {
  const capture = Capture.healthy();
  edit(capture);
  const context = contextOf(capture, { plan });
  return judgeK8sSecrets(context);
}

afterAll(removeRenderedDirs);

interface RenderedOptions {
  plan?: BackupPlanInput;
  /** Add the fixture's GitOps repository (`--repo`) to the manifests run. */
  repo?: boolean;
}

/** The changed homelab rendering judged as rendered manifests (`--manifests`, optionally `--repo`) and as a snapshot. */
function judgeBoth(mutate: (docs: any[]) => void, options: RenderedOptions = {}) {
  return {
    manifests: judgeRendered('guard.k8s-secrets', mutate, options.plan, 'manifests', { repo: options.repo }),
    snapshot: judgeRendered('guard.k8s-secrets', mutate, options.plan, 'snapshot'),
  };
}
const judgeManifests = (mutate: (docs: any[]) => void, options: RenderedOptions = {}) => judgeRendered('guard.k8s-secrets', mutate, options.plan, 'manifests', { repo: options.repo });
const noChange = () => {};

describe('guard.k8s-secrets', () => {
  it('passes when the Deployment reads the plan Secret whose key cloud has both keys; no value is shown', () => {
    const finding = judge(() => {});
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toContain('Secret velero-s3-credentials: keys [cloud]; key cloud: AWS credentials file, profiles [default], aws_access_key_id present, aws_secret_access_key present');
    expect(JSON.stringify(finding)).not.toMatch(/FAKE-FIXTURE|fake-fixture/);
  });

  it('fails when the Secret is missing, when the key is missing, and when the file lacks a key', () => {
    expect(judge((c) => c.remove((o) => o.kind === 'Secret' && o.metadata.name === 'velero-s3-credentials')).summary).toMatch(/Secret velero-s3-credentials does not exist/);
    expect(judge((c) => (c.find('Secret', 'velero-s3-credentials').data = { other: base64('x') })).summary).toMatch(/has no key "cloud" \(keys: other\)/);
    const noSecretKey = judge((c) => (c.find('Secret', 'velero-s3-credentials').data.cloud = base64('[default]\naws_access_key_id=AKIA-FAKE\n')));
    expect(noSecretKey.summary).toMatch(/lacks aws_secret_access_key/);
    expect(noSecretKey.remediation).toMatch(/aws_access_key_id=<minio_velero_access_key_id>/);
  });

  it('fails when key cloud is not an AWS credentials file', () => {
    const finding = judge((c) => (c.find('Secret', 'velero-s3-credentials').data.cloud = base64('just-a-token')));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/key "cloud" of Secret velero-s3-credentials is not an AWS credentials file/);
  });

  it('fails when the Deployment does not point AWS_SHARED_CREDENTIALS_FILE into the Secret', () => {
    const finding = judge((c) => {
      const container = veleroPodSpec(c).containers[0];
      container.env = container.env.filter((variable: { name: string }) => variable.name !== 'AWS_SHARED_CREDENTIALS_FILE');
    });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/the velero Deployment does not read Secret velero-s3-credentials key cloud/);
  });

  it('a Deployment reading another Secret fails the plan, but is accepted with the expectation off', () => {
    const otherSecret = (c: Capture) => {
      const other = structuredClone(c.find('Secret', 'velero-s3-credentials'));
      other.metadata.name = 'minio-credentials';
      c.add(other);
      veleroPodSpec(c).volumes[0].secret.secretName = 'minio-credentials';
      c.find('DaemonSet', 'node-agent').spec.template.spec.volumes[0].secret.secretName = 'minio-credentials';
    };
    const planned = judge(otherSecret);
    expect(planned.status).toBe('fail');
    expect(planned.summary).toMatch(/the velero Deployment reads Secret minio-credentials key cloud, the plan says Secret velero-s3-credentials key cloud/);
    const generic = judge(otherSecret, { expect: { credentialsSecret: false } });
    expect(generic.status).toBe('pass');
    expect(generic.summary).toMatch(/Secret minio-credentials/);
  });

  it('a BSL spec.credential naming the plan Secret is enough; naming another one fails', () => {
    const viaBsl = judge((c) => {
      veleroPodSpec(c).containers[0].env = [];
      c.find('BackupStorageLocation', 'default').spec.credential = { name: 'velero-s3-credentials', key: 'cloud' };
    });
    expect(viaBsl.status).toBe('pass');
    expect(viaBsl.summary).toBe('Velero reads S3 credentials from Secret velero-s3-credentials, key "cloud" (an AWS credentials file with both keys)');
    const other = judge((c) => (c.find('BackupStorageLocation', 'default').spec.credential = { name: 'legacy', key: 'cloud' }));
    expect(other.status).toBe('fail');
    expect(other.summary).toMatch(/spec.credential names Secret legacy key cloud, the plan says Secret velero-s3-credentials key cloud/);
  });

  it('resolves volume items remapping', () => {
    const podSpec = { volumes: [{ name: 'creds', secret: { secretName: 's3', items: [{ key: 'cloud', path: 'aws' }] } }] };
    const container = { env: [{ name: 'AWS_SHARED_CREDENTIALS_FILE', value: '/creds/aws' }], volumeMounts: [{ name: 'creds', mountPath: '/creds/' }] };
    expect(credentialsFileSource(podSpec, container)).toMatchObject({ secretName: 's3', key: 'cloud' });
    expect(credentialsFileSource(podSpec, { ...container, env: [] })).toBeUndefined();
  });

  it('fails a node agent without the credentials on a cluster as on rendered manifests (it uploads the Kopia data)', () => {
    // Resolved disagreement: the cluster judge only warned, the manifests judge failed.
    const live = judge((c) => (c.find('DaemonSet', 'node-agent').spec.template.spec.containers[0].env = []));
    expect(live.status).toBe('fail');
    expect(live.summary).toMatch(/the node-agent DaemonSet mounts no credentials Secret via AWS_SHARED_CREDENTIALS_FILE, so Kopia uploads from the nodes cannot authenticate/);
    const both = judgeBoth((docs) => {
      const container = find(docs, 'DaemonSet', 'node-agent').spec.template.spec.containers[0];
      container.env = container.env.filter((e: any) => e.name !== 'AWS_SHARED_CREDENTIALS_FILE');
    });
    for (const finding of [both.manifests, both.snapshot]) {
      expect(finding.status).toBe('fail');
      expect(finding.summary).toBe(live.summary);
    }
  });

  it('skips (not verified) when Secrets could not be read', () => {
    const context = contextOf(Capture.healthy());
    context.state.readGaps.push({ resource: 'secrets', verb: 'list', namespace: 'velero', reason: 'forbidden' });
    const finding = judgeK8sSecrets(context);
    expect(finding.status).toBe('skip');
    expect(finding.summary).toMatch(/^Secrets could not be read \(list secrets in velero: forbidden\)/);
  });

  it('fails literal AWS keys in a container\'s env on a cluster too, as critical and without printing them', () => {
    const finding = judge((c) => veleroPodSpec(c).containers[0].env.push({ name: 'AWS_ACCESS_KEY_ID', value: 'FIXTURE-LITERAL-KEY-ID' }));
    expect(finding.status).toBe('fail');
    expect(finding.critical).toBe(true);
    expect(finding.summary).toMatch(/Deployment velero, container velero: env AWS_ACCESS_KEY_ID has a literal value/);
    expect(JSON.stringify(finding)).not.toContain('FIXTURE-LITERAL-KEY-ID');
  });

  it('says "not shown" when nothing shows where the credentials come from and the plan names no Secret', () => {
    // Resolved disagreement: the cluster judge failed ("reads no S3 credentials from a Kubernetes
    // Secret"), the manifests judge said not shown. Without the plan's Secret, a workload identity
    // or env from another Secret may supply them: nothing shown is wrong, and nothing is proven.
    const finding = judge((c) => (veleroPodSpec(c).containers[0].env = []), { expect: { credentialsSecret: false } });
    expect(finding.status).toBe('skip');
    expect(finding.summary).toMatch(/^Not shown: the input does not show where Velero's credentials come from/);
    expect(finding.warnings?.[0]).toMatch(/Where Velero gets its object-store credentials is not shown/);
    const both = judgeBoth((docs) => (find(docs, 'Deployment', 'velero').spec.template.spec.containers[0].env = []), { plan: { expect: { credentialsSecret: false } } });
    expect(both.manifests.status).toBe('skip');
    expect(both.snapshot.summary).toBe(both.manifests.summary);
  });

  it('the fixture credentials file is the docs/velero-facts.md §6 format', () => {
    expect(FAKE_CREDENTIALS_FILE).toMatch(/^\[default\]\naws_access_key_id=.+\naws_secret_access_key=.+\n$/);
  });
});

describe('guard.k8s-secrets on rendered manifests and the same objects as a snapshot', () => {
  it('passes the homelab rendering with the same summary on both: a SOPS-encrypted Secret is judged by its key names', () => {
    // Resolved: the cluster judge failed a SOPS-encrypted Secret as "not an AWS credentials file".
    const { manifests, snapshot } = judgeBoth(noChange);
    expect(manifests.status).toBe('pass');
    expect(manifests.summary).toBe('Velero reads S3 credentials from Secret velero-s3-credentials, key "cloud" (SOPS-encrypted: key names checked, values not readable)');
    expect(snapshot.status).toBe('pass');
    expect(snapshot.summary).toBe(manifests.summary);
    expect(manifests.evidence).toContain('Secret velero-s3-credentials: SOPS-encrypted, keys [cloud] (values not readable)');
    expect(manifests.evidence).toContain('node-agent DaemonSet reads credentials from: Secret velero-s3-credentials key cloud via AWS_SHARED_CREDENTIALS_FILE=/credentials/cloud (volume cloud-credentials → Secret velero-s3-credentials)');
    // The repository's source file is a fact of the manifests input only: without --repo it is a warning there, absent on a snapshot.
    expect(manifests.warnings?.join(' ')).toMatch(/Without --repo/);
    expect(snapshot.warnings).toBeUndefined();
  });

  it('passes a BSL that names the plan\'s Secret in spec.credential', () => {
    const finding = judgeManifests((docs) => {
      find(docs, 'BackupStorageLocation', 'default').spec.credential = { name: 'velero-s3-credentials', key: 'cloud' };
    });
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toContain('BackupStorageLocation default spec.credential: Secret velero-s3-credentials key cloud');
  });

  it('fails credentials from another Secret, and a node agent without credentials', () => {
    const other = judgeManifests((docs) => {
      for (const kind of ['Deployment', 'DaemonSet']) {
        const doc = docs.find((d) => d.kind === kind);
        doc.spec.template.spec.volumes.find((v: any) => v.name === 'cloud-credentials').secret.secretName = 'minio-root';
      }
    });
    expect(other.status).toBe('fail');
    expect(other.summary).toMatch(/the velero Deployment reads Secret minio-root key cloud, the plan says Secret velero-s3-credentials key cloud/);
    const agent = judgeManifests((docs) => {
      const container = find(docs, 'DaemonSet', 'node-agent').spec.template.spec.containers[0];
      container.env = container.env.filter((e: any) => e.name !== 'AWS_SHARED_CREDENTIALS_FILE');
    });
    expect(agent.status).toBe('fail');
    expect(agent.summary).toMatch(/node-agent DaemonSet mounts no credentials Secret/);
  });

  it('fails literal AWS keys in env as critical without printing them', () => {
    const finding = judgeManifests((docs) => {
      find(docs, 'Deployment', 'velero').spec.template.spec.containers[0].env.push({ name: 'AWS_SECRET_ACCESS_KEY', value: 'FIXTURE-LITERAL-SECRET' });
    });
    expect(finding.status).toBe('fail');
    expect(finding.critical).toBe(true);
    expect(finding.summary).toMatch(/env AWS_SECRET_ACCESS_KEY has a literal value/);
    expect(JSON.stringify(finding)).not.toContain('FIXTURE-LITERAL-SECRET');
  });

  it('fails a SOPS Secret without the cloud key, on both', () => {
    const { manifests, snapshot } = judgeBoth((docs) => {
      const secret = find(docs, 'Secret', 'velero-s3-credentials');
      secret.stringData = { credentials: secret.stringData.cloud };
    });
    expect(manifests.status).toBe('fail');
    expect(manifests.summary).toBe('The credentials guardrail is broken: Secret velero-s3-credentials has no key "cloud" (keys: credentials)');
    expect(snapshot.summary).toBe(manifests.summary);
  });

  it('fails a Secret committed in plaintext as critical, on either target, and never shows its values; read from a cluster the same Secret is normal', () => {
    const plaintext = (docs: any[]) => {
      const secret = find(docs, 'Secret', 'velero-s3-credentials');
      delete secret.stringData;
      delete secret.sops;
      secret.data = { cloud: base64(FAKE_CREDENTIALS_FILE) };
      docs.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'minio-root', namespace: 'velero' }, stringData: { credentials: FAKE_CREDENTIALS_FILE } });
    };
    const { manifests, snapshot } = judgeBoth(plaintext, { repo: true });
    const summary = 'The credentials guardrail is broken: Secret velero-s3-credentials is rendered in plaintext: its credentials are committed to git; Secret minio-root holds an AWS credentials file in plaintext';
    // The same files handed over as a snapshot are still files (never stored by an API server).
    for (const finding of [manifests, snapshot]) {
      expect(finding.status).toBe('fail');
      expect(finding.critical).toBe(true);
      expect(finding.summary).toBe(summary);
    }
    expect(manifests.evidence).toContain('Secret velero/minio-root: plaintext AWS credentials file under credentials (values not shown)');
    expect(manifests.remediation).toMatch(/rotate the leaked keys/);
    // Read from a cluster (the server set uid, resourceVersion, creationTimestamp), a Secret always carries its data.
    const stored = (docs: any[]) => {
      plaintext(docs);
      for (const name of ['velero-s3-credentials', 'minio-root']) {
        Object.assign(find(docs, 'Secret', name).metadata, { uid: `0000-${name}`, resourceVersion: '4711', creationTimestamp: '2026-11-20T10:00:00Z' });
      }
    };
    const fromCluster = judgeBoth(stored, { repo: true }).snapshot;
    expect(fromCluster.status).toBe('pass');
    expect(fromCluster.summary).toBe('Velero reads S3 credentials from Secret velero-s3-credentials, key "cloud" (an AWS credentials file with both keys)');
    for (const finding of [manifests, snapshot, fromCluster]) {
      const text = JSON.stringify(finding);
      for (const value of ['FAKE-FIXTURE-ACCESS-KEY', 'fake-fixture-secret-key-not-real', base64(FAKE_CREDENTIALS_FILE)]) expect(text).not.toContain(value);
    }
  });

  it('a missing Secret is a warning in rendered manifests (it may come from elsewhere) and a failure on a cluster listing', () => {
    // Resolved disagreement: the same absence means "not in these files" in a repository and "does not exist" in a cluster's listing.
    const { manifests, snapshot } = judgeBoth((docs) => docs.splice(docs.indexOf(find(docs, 'Secret', 'velero-s3-credentials')), 1));
    expect(manifests.status).toBe('pass');
    expect(manifests.summary).toBe('Velero reads S3 credentials from Secret velero-s3-credentials, key "cloud" (the Secret itself is not in this input)');
    expect(manifests.warnings?.join(' ')).toMatch(/Secret velero-s3-credentials is not part of the rendered manifests: make sure the cluster gets it from the SOPS-encrypted secrets\/k8s-secrets\.enc\.yaml/);
    expect(snapshot.status).toBe('fail');
    expect(snapshot.summary).toBe('The credentials guardrail is broken: Secret velero-s3-credentials does not exist');
  });

  it('warns without --repo, checks the repository with it', () => {
    expect(judgeManifests(noChange).warnings?.join(' ')).toMatch(/Without --repo the audit cannot check that the credentials come from secrets\/k8s-secrets\.enc\.yaml/);
    const withRepo = judgeManifests(noChange, { repo: true });
    expect(withRepo.status).toBe('pass');
    expect(withRepo.summary).toMatch(/and comes from secrets\/k8s-secrets\.enc\.yaml$/);
    expect(withRepo.evidence.join('\n')).toMatch(/minio_velero_access_key_id present/);
    const missingKey = judgeManifests(noChange, { repo: true, plan: { credentials: { sourceKeys: { accessKeyId: 'minio_backup_key' } } } });
    expect(missingKey.status).toBe('fail');
    expect(missingKey.summary).toMatch(/secrets\/k8s-secrets\.enc\.yaml lacks minio_backup_key/);
  });

  it('does not call a pasted Secret "committed to git": a paste trimmed of its metadata shows nothing about where the values live', async () => {
    const paste = [
      '$ kubectl -n velero get secret velero-s3-credentials -o yaml | kubectl neat',
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: velero-s3-credentials',
      '  namespace: velero',
      'type: Opaque',
      'data:',
      `  cloud: ${base64(FAKE_CREDENTIALS_FILE)}`,
      '$ kubectl -n velero get bsl default -o yaml | kubectl neat',
      'apiVersion: velero.io/v1',
      'kind: BackupStorageLocation',
      'metadata:',
      '  name: default',
      '  namespace: velero',
      'spec:',
      '  provider: aws',
      '  default: true',
      '  objectStorage:',
      '    bucket: homelab-backup-velero',
      '  config:',
      '    region: minio',
      '    s3ForcePathStyle: "true"',
      '    s3Url: http://10.10.10.209:9000',
    ].join('\n');
    const plan = defaultPlan();
    const state = await collectSnapshot('-', plan, { stdinText: paste, label: 'paste' });
    expect(state.evidence?.mode).toBe('paste');
    expect(state.objects.secrets[0]).toMatchObject({ name: 'velero-s3-credentials', neverStored: true, hasPlaintextValues: true });
    const finding = judgeItem('guard.k8s-secrets', { state, plan, target: 'snapshot', now: new Date('2026-11-25T12:00:00Z') });
    expect(finding.summary).not.toMatch(/committed to git/);
    expect(finding.critical).toBeFalsy();
    expect(JSON.stringify(finding)).not.toContain(base64(FAKE_CREDENTIALS_FILE));
  });
});
