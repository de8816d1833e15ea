import { afterEach, describe, expect, it } from 'vitest';
import { bucketScenario, mapObjects, scenarioState, SCENARIO_BUCKET, type BucketScenario, type ScenarioOptions } from '../../fixtures/doubles/bucket-scenario.ts';
import { judgeLiveAndCaptured } from '../../fixtures/doubles/roundtrip.ts';
import { healthyAppObjects, healthyVeleroObjects, type Obj } from '../../fixtures/snapshots/model.ts';
import { defaultPlan } from '../plan.ts';
import { judgeLanOnlyLive, publicAllowStatements } from './guard-lan-only.ts';

let scenario: BucketScenario | undefined;
afterEach(async () => {
  await scenario?.stop();
  scenario = undefined;
});

async function judged(options: ScenarioOptions = {}) {
  scenario = await bucketScenario(options);
  return judgeLiveAndCaptured(judgeLanOnlyLive, scenario.context());
}

/** What `mc anonymous set download ALIAS/BUCKET/backups` writes (minio-go canned policy, docs/retention-and-exposure.md §5.1). */
const DOWNLOAD_BACKUPS_ONLY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetBucketLocation'], Resource: [`arn:aws:s3:::${SCENARIO_BUCKET}`] },
    { Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${SCENARIO_BUCKET}`], Condition: { StringEquals: { 's3:prefix': ['backups/'] } } },
    { Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${SCENARIO_BUCKET}/backups/*`] },
  ],
};

function withBsl(change: (bsl: Obj) => void) {
  return (objects: Obj[]) =>
    mapObjects(
      objects,
      (o) => o.kind === 'BackupStorageLocation',
      (o) => {
        const copy = structuredClone(o);
        change(copy);
        return copy;
      },
    );
}

function service(name: string, type: string, ports: Array<Record<string, unknown>>): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'minio', labels: { 'app.kubernetes.io/name': 'minio' } }, spec: { type, selector: { app: 'minio' }, ports } };
}

describe('guard.lan-only (live)', () => {
  it('passes for the homelab: LAN s3Url, nothing exposed, anonymous requests refused, no policy', async () => {
    const finding = await judged();
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('MinIO is kept on the LAN (endpoint, cluster and bucket checked)');
    expect(finding.evidence).toContain('BackupStorageLocation default spec.config.s3Url = http://10.10.10.209:9000: 10.10.10.209 is in an RFC 1918 private range');
    expect(finding.evidence.filter((line) => line.endsWith('HTTP 403 AccessDenied'))).toHaveLength(5);
    expect(finding.evidence).toContain('Bucket policy: none (NoSuchBucketPolicy)');
  });

  it('fails critically when anonymous reads are allowed on backups/ only', async () => {
    const finding = await judged({ configure: (fake) => fake.withPolicy(DOWNLOAD_BACKUPS_ONLY) });
    expect(finding.status).toBe('fail');
    expect(finding.critical).toBe(true);
    const problems = finding.evidence.filter((line) => line.startsWith('Problem:'));
    expect(problems).toContain(
      'Problem: anonymous listing of backups/ (GET /homelab-backup-velero?list-type=2&prefix=backups%2F) succeeded (HTTP 200): anyone who reaches the endpoint can read it without credentials.',
    );
    expect(problems.some((line) => /anonymous GET of a backup's velero-backup\.json .* succeeded \(HTTP 200\)/.test(line))).toBe(true);
    expect(problems.some((line) => /Bucket policy allows Principal "\*" s3:GetObject on arn:aws:s3:::homelab-backup-velero\/backups\/\*/.test(line))).toBe(true);
    // the root and kopia/ stay closed: a root-only probe would have missed this
    expect(finding.evidence).toContain('anonymous listing of the bucket (GET /homelab-backup-velero?list-type=2): HTTP 403 AccessDenied');
    expect(finding.remediation).toMatch(/mc anonymous set none ALIAS\/homelab-backup-velero/);
  });

  it('only warns about a Principal "*" statement under a Condition', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${SCENARIO_BUCKET}/*`, Condition: { IpAddress: { 'aws:SourceIp': '10.10.10.0/24' } } }],
    };
    const finding = await judged({ configure: (fake) => fake.withPolicy(policy) });
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.[0]).toMatch(/under a Condition \(e\.g\. aws:SourceIp\)/);
  });

  it('reports probes that got no answer as not verified, not as passed', async () => {
    const finding = await judged({ configure: (fake) => fake.withFault({ anonymous: true, fault: 'reset' }) });
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.filter((warning) => /no answer .* not verified from this vantage point/.test(warning))).toHaveLength(5);
  });

  it('without a bucket read judges the cluster parts and says the bucket was not verified', () => {
    const plan = defaultPlan();
    const state = scenarioState([...healthyVeleroObjects(), ...healthyAppObjects()], plan);
    const finding = judgeLanOnlyLive({ state, plan, target: 'snapshot', now: new Date() });
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('MinIO is kept on the LAN (endpoint and cluster checked; bucket not verified)');
    expect(finding.warnings?.[0]).toMatch(/bucket part \(anonymous access, bucket policy\) was not verified: The snapshot holds no bucket capture/);
  });

  it('fails on a public s3Url and a public publicUrl (the collector still talks to loopback)', async () => {
    const finding = await judged({
      cluster: withBsl((bsl) => {
        bsl.spec.config.s3Url = 'https://minio.example.com';
        bsl.spec.config.publicUrl = 'http://203.0.113.7:9000';
      }),
    });
    expect(finding.status).toBe('fail');
    const problems = finding.evidence.filter((line) => line.startsWith('Problem:'));
    expect(problems[0]).toMatch(/s3Url https:\/\/minio\.example\.com is not a LAN endpoint: minio\.example\.com is a public DNS name/);
    expect(problems[1]).toMatch(/publicUrl http:\/\/203\.0\.113\.7:9000 is a public endpoint/);
  });

  it('accepts LAN names and a private publicUrl', async () => {
    const finding = await judged({
      cluster: withBsl((bsl) => {
        bsl.spec.config.s3Url = 'http://nas.home.arpa:9000';
        bsl.spec.config.publicUrl = 'http://minio.lan:9000';
      }),
    });
    expect(finding.status).toBe('pass');
  });

  it('fails when the cluster publishes MinIO through a NodePort, a LoadBalancer or an Ingress', async () => {
    const ingress: Obj = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'minio-console', namespace: 'minio' },
      spec: { rules: [{ host: 'minio.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'minio', port: { number: 9001 } } } }] } }] },
    };
    const finding = await judged({
      cluster: (objects) => [
        ...objects,
        service('minio', 'NodePort', [{ name: 's3', port: 9000, nodePort: 30900 }]),
        service('minio-lb', 'LoadBalancer', [{ name: 's3', port: 9000 }]),
        ingress,
      ],
    });
    expect(finding.status).toBe('fail');
    const problems = finding.evidence.filter((line) => line.startsWith('Problem:'));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/Service minio\/minio exposes MinIO: type NodePort, port 9000 → nodePort 30900/);
    expect(problems[2]).toMatch(/Ingress minio\/minio-console exposes MinIO/);
    expect(finding.remediation).toMatch(/ClusterIP/);
  });

  it('finds Allow statements for everyone in policy documents', () => {
    expect(publicAllowStatements(DOWNLOAD_BACKUPS_ONLY)).toHaveLength(3);
    expect(publicAllowStatements({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:user/velero' }, Action: '*', Resource: '*' }] })).toEqual([]);
    expect(publicAllowStatements({ Statement: { Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' } })).toEqual([]);
    expect(publicAllowStatements({ Statement: { Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:*', Resource: '*' } })[0]).toEqual({ actions: ['s3:*'], resources: ['*'], conditional: false });
  });
});
