import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { base64, FAKE_CREDENTIALS_FILE } from '../../fixtures/snapshots/model.ts';
import { credentialsFileSource, judgeK8sSecrets } from './guard-k8s-secrets.ts';

function veleroPodSpec(capture: Capture): any {
  return capture.find('Deployment', 'velero').spec.template.spec;
}

function judge(edit: (capture: Capture) => void, plan?: Record<string, unknown>) {
  const capture = Capture.healthy();
  edit(capture);
  const context = contextOf(capture, { plan });
  return judgeK8sSecrets(context);
}

describe('guard.k8s-secrets (live)', () => {
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
    expect(judge(otherSecret).summary).toMatch(/it reads minio-credentials key cloud/);
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
    const other = judge((c) => (c.find('BackupStorageLocation', 'default').spec.credential = { name: 'legacy', key: 'cloud' }));
    expect(other.summary).toMatch(/spec.credential names Secret legacy key cloud/);
  });

  it('resolves volume items remapping', () => {
    const podSpec = { volumes: [{ name: 'creds', secret: { secretName: 's3', items: [{ key: 'cloud', path: 'aws' }] } }] };
    const container = { env: [{ name: 'AWS_SHARED_CREDENTIALS_FILE', value: '/creds/aws' }], volumeMounts: [{ name: 'creds', mountPath: '/creds/' }] };
    expect(credentialsFileSource(podSpec, container)).toMatchObject({ secretName: 's3', key: 'cloud' });
    expect(credentialsFileSource(podSpec, { ...container, env: [] })).toBeUndefined();
  });

  it('warns when node-agent does not mount the credentials', () => {
    const finding = judge((c) => (c.find('DaemonSet', 'node-agent').spec.template.spec.containers[0].env = []));
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.[0]).toMatch(/node-agent DaemonSet does not mount Secret velero-s3-credentials/);
  });

  it('skips (not verified) when Secrets could not be read', () => {
    const context = contextOf(Capture.healthy());
    context.state.readGaps.push({ resource: 'secrets', verb: 'list', namespace: 'velero', reason: 'forbidden' });
    expect(judgeK8sSecrets(context).status).toBe('skip');
  });

  it('the fixture credentials file is the docs/velero-facts.md §6 format', () => {
    expect(FAKE_CREDENTIALS_FILE).toMatch(/^\[default\]\naws_access_key_id=.+\naws_secret_access_key=.+\n$/);
  });
});
