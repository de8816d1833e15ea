import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { crdProblems } from '../schema/crds.ts';
import { referenceDir } from '../schema/reference.ts';
import { AuditInputError } from '../errors.ts';
import { chartFullname } from './chart-names.ts';
import { chartReference } from './chart-reference.ts';
import { renderFromValues } from './chart-render.ts';
import { mergeValues, readValuesFile, redactValues, valuesSchemaProblems } from './chart-values.ts';
import { REDACTED } from '../redact.ts';
import type { KubeObject } from '../state.ts';

const homelabValues = () => parse(readFileSync(join(referenceDir(), 'examples', 'values-homelab.yaml'), 'utf8'));

function render(given: Record<string, unknown>, release = 'velero') {
  const merged = mergeValues(chartReference().defaults, given);
  return renderFromValues(merged, { release, namespace: 'velero' });
}

function byKind(objects: KubeObject[], kind: string): KubeObject[] {
  return objects.filter((object) => object.kind === kind);
}

function tempFile(text: string | Buffer, name = 'values.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'vv-values-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('mergeValues (Helm coalescing)', () => {
  it('merges maps, replaces lists and scalars, and deletes keys set to null', () => {
    const merged = mergeValues(
      { a: { b: 1, c: 2 }, list: [1, 2, 3], keep: 'x', gone: 'y' },
      { a: { c: 3, d: 4 }, list: [9], gone: null },
    );
    expect(merged).toEqual({ a: { b: 1, c: 3, d: 4 }, list: [9], keep: 'x' });
  });

  it('does not modify the defaults', () => {
    const defaults = { a: { b: 1 } };
    mergeValues(defaults, { a: { b: 2 } });
    expect(defaults).toEqual({ a: { b: 1 } });
  });
});

describe('valuesSchemaProblems (chart values.schema.json)', () => {
  it('accepts the homelab values merged over the chart defaults', () => {
    const merged = mergeValues(chartReference().defaults, homelabValues());
    expect(valuesSchemaProblems(merged)).toEqual([]);
    expect(chartReference().chartVersion).toBe('12.1.0');
  });

  it('rejects a backupStorageLocation given as a map and names the line in the values file', () => {
    const file = tempFile('deployNodeAgent: true\nconfiguration:\n  backupStorageLocation:\n    name: default\n    provider: aws\n    bucket: b\n');
    const values = readValuesFile(file);
    const problems = valuesSchemaProblems(mergeValues(chartReference().defaults, values.values), values);
    expect(problems).toContainEqual({ path: '/configuration/backupStorageLocation', message: 'must be array', line: 4 });
  });

  it('requires provider and bucket in each location (a chart-side requirement)', () => {
    const merged = mergeValues(chartReference().defaults, { configuration: { backupStorageLocation: [{ name: 'default', provider: 'aws' }] } });
    expect(valuesSchemaProblems(merged).map((p) => `${p.path} ${p.message}`)).toContain('/configuration/backupStorageLocation/0 is missing the required key "bucket"');
  });
});

describe('readValuesFile', () => {
  it('reports invalid YAML with file, line and column', () => {
    const file = tempFile('image:\n  repository: velero\n  tag: [v1\n');
    expect(() => readValuesFile(file)).toThrow(AuditInputError);
    expect(() => readValuesFile(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, line \\d+, column \\d+`));
  });

  it('rejects binary content and a top-level list', () => {
    expect(() => readValuesFile(tempFile(Buffer.from([0x89, 0x50, 0x00, 0x01])))).toThrow(/not a text file/);
    expect(() => readValuesFile(tempFile('- a\n- b\n'))).toThrow(/expected a YAML mapping/);
  });
});

describe('renderFromValues (docs/velero-facts.md §5 mapping)', () => {
  it('renders the homelab values into the objects the chart would render', () => {
    const { objects, notes } = render(homelabValues());
    expect(notes).toEqual([]);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['BackupStorageLocation/default', 'DaemonSet/node-agent', 'Deployment/velero', 'Schedule/velero-daily']);
    for (const object of objects.filter((o) => o.apiVersion.startsWith('velero.io/'))) expect(crdProblems(object), object.metadata.name).toEqual([]);
  });

  it('quotes BSL config values: s3ForcePathStyle true renders as the string "true"', () => {
    const values = homelabValues();
    values.configuration.backupStorageLocation[0].config.s3ForcePathStyle = true;
    const [bsl] = byKind(render(values).objects, 'BackupStorageLocation');
    expect(bsl.spec.config).toEqual({ region: 'minio', s3ForcePathStyle: 'true', s3Url: 'http://10.10.10.209:9000' });
    expect(bsl.spec.default).toBe(true);
    expect(bsl.spec.objectStorage).toEqual({ bucket: 'homelab-backup-velero' });
  });

  it('names schedules <fullname>-<key> and keeps the template verbatim', () => {
    const [schedule] = byKind(render(homelabValues()).objects, 'Schedule');
    expect(schedule.metadata.name).toBe('velero-daily');
    expect(schedule.spec.template.ttl).toBe('336h');
    expect(schedule.spec.schedule).toBe('0 3 * * *');
    const [other] = byKind(render(homelabValues(), 'backup').objects, 'Schedule');
    expect(other.metadata.name).toBe('backup-velero-daily');
    expect(chartFullname({ fullnameOverride: 'vv' }, 'velero')).toBe('vv');
  });

  it('skips disabled schedules', () => {
    const values = homelabValues();
    values.schedules.daily.disabled = true;
    expect(byKind(render(values).objects, 'Schedule')).toEqual([]);
  });

  it('applies the chart defaults: no node agent, and a VolumeSnapshotLocation with provider ""', () => {
    const values = homelabValues();
    delete values.deployNodeAgent;
    delete values.snapshotsEnabled;
    delete values.configuration.volumeSnapshotLocation;
    const { objects } = render(values);
    expect(byKind(objects, 'DaemonSet')).toEqual([]);
    const [vsl] = byKind(objects, 'VolumeSnapshotLocation');
    expect(vsl.metadata.name).toBe('default');
    expect(vsl.spec.provider).toBe('');
  });

  it('mounts credentials.existingSecret as cloud-credentials with AWS_SHARED_CREDENTIALS_FILE in server and node agent', () => {
    const { objects } = render(homelabValues());
    for (const workload of [...byKind(objects, 'Deployment'), ...byKind(objects, 'DaemonSet')]) {
      const spec = workload.spec.template.spec;
      expect(spec.volumes).toContainEqual({ name: 'cloud-credentials', secret: { secretName: 'velero-s3-credentials' } });
      expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'cloud-credentials', mountPath: '/credentials' });
      expect(spec.containers[0].env).toContainEqual({ name: 'AWS_SHARED_CREDENTIALS_FILE', value: '/credentials/cloud' });
    }
    expect(byKind(objects, 'Secret')).toEqual([]);
  });

  it('renders server flags and the node agent host paths', () => {
    const { objects } = render(homelabValues());
    const [deployment] = byKind(objects, 'Deployment');
    expect(deployment.spec.template.spec.containers[0].args).toEqual([
      'server',
      '--uploader-type=kopia',
      '--default-volumes-to-fs-backup',
      '--repo-maintenance-job-configmap=velero-repo-maintenance',
    ]);
    expect(deployment.spec.template.spec.initContainers[0].image).toBe('docker.io/velero/velero-plugin-for-aws:v1.14.0');
    const [daemonSet] = byKind(objects, 'DaemonSet');
    expect(daemonSet.spec.template.spec.volumes).toContainEqual({ name: 'host-pods', hostPath: { path: '/var/lib/kubelet/pods' } });
    expect(daemonSet.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'host-pods', mountPath: '/host_pods', mountPropagation: 'HostToContainer' });
  });

  it('drops the host paths with nodeAgent.disableHostPath and uses image.digest when set', () => {
    const values = homelabValues();
    values.nodeAgent.disableHostPath = true;
    values.image.digest = 'sha256:abc';
    const { objects } = render(values);
    const [daemonSet] = byKind(objects, 'DaemonSet');
    expect(daemonSet.spec.template.spec.volumes.map((v: { name: string }) => v.name)).not.toContain('host-pods');
    expect(daemonSet.spec.template.spec.containers[0].image).toBe('docker.io/velero/velero@sha256:abc');
  });

  it('renders a plaintext Secret from secretContents, named after the release', () => {
    const values = homelabValues();
    values.credentials = { useSecret: true, secretContents: { cloud: '[default]\naws_access_key_id=X\n' } };
    const [secret] = byKind(render(values).objects, 'Secret');
    expect(secret.metadata.name).toBe('velero');
    expect(Object.keys(secret.data as object)).toEqual(['cloud']);
  });

  it('notes an initContainers template string it cannot evaluate', () => {
    const values = homelabValues();
    values.initContainers = '- name: plugin\n  image: {{ .Values.pluginImage }}\n';
    const { objects, notes } = render(values);
    expect(byKind(objects, 'Deployment')[0].spec.template.spec.initContainers).toBeUndefined();
    expect(notes[0]).toMatch(/initContainers is a Helm template string/);
  });
});

describe('redactValues', () => {
  it('keeps key names of secretContents and extraEnvVars and drops their values', () => {
    const redacted = redactValues({ credentials: { secretContents: { cloud: 'secret' }, extraEnvVars: { TOKEN: 'secret' }, existingSecret: 'x' } });
    expect(redacted).toEqual({ credentials: { secretContents: { cloud: REDACTED }, extraEnvVars: { TOKEN: REDACTED }, existingSecret: 'x' } });
    expect(JSON.stringify(redacted)).not.toContain('secret"');
  });
});
