import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bucketScenario, mapObjects, scenarioState, SCENARIO_BUCKET, type BucketScenario, type ScenarioOptions } from '../../fixtures/doubles/bucket-scenario.ts';
import { judgeLiveAndCaptured } from '../../fixtures/doubles/roundtrip.ts';
import type { Obj } from '../../fixtures/snapshots/homelab/metadata.ts';
import { healthyAppObjects, healthyVeleroObjects } from '../../fixtures/snapshots/model.ts';
import { findDoc as find, judgeRendered, removeRenderedDirs } from '../../fixtures/manifests/one-change.ts';
import { defaultPlan, type BackupPlanInput } from '../plan.ts';
import { judgeLanOnly, publicAllowStatements } from './guard-lan-only.ts';

let scenario: BucketScenario | undefined;
afterEach(async () => {
  await scenario?.stop();
  scenario = undefined;
});

async function judged(options: ScenarioOptions = {}) {
  scenario = await bucketScenario(options);
  return judgeLiveAndCaptured(judgeLanOnly, scenario.context());
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

describe('guard.lan-only on a cluster and a capture', () => {
  it('passes for the homelab: LAN s3Url, nothing exposed, anonymous requests refused, no policy', async () => {
    const finding = await judged();
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('MinIO is kept on the LAN (endpoint, cluster and bucket checked)');
    expect(finding.evidence).toContain('BackupStorageLocation velero/default: spec.config.s3Url = http://10.10.10.209:9000 → private (10.10.10.209 is in an RFC 1918 private range)');
    expect(finding.evidence.filter((line) => line.endsWith('HTTP 403 AccessDenied'))).toHaveLength(5);
    expect(finding.evidence).toContain('Bucket policy: none (NoSuchBucketPolicy)');
  });

  it('fails critically when anonymous reads are allowed on backups/ only', async () => {
    const finding = await judged({ configure: (fake) => fake.withPolicy(DOWNLOAD_BACKUPS_ONLY) });
    expect(finding.status).toBe('fail');
    expect(finding.critical).toBe(true);
    const problems = finding.evidence.filter((line) => line.startsWith('Problem:'));
    expect(problems).toContain(
      'Problem: anonymous listing of backups/ (GET /homelab-backup-velero?list-type=2&prefix=backups%2F) succeeded (HTTP 200): anyone who reaches the endpoint can read it without credentials',
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
    const finding = judgeLanOnly({ state, plan, target: 'snapshot', now: new Date() });
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
    expect(finding.critical).toBe(true);
    expect(finding.summary).toBe(
      'MinIO is not kept LAN-only: spec.config.s3Url https://minio.example.com of BackupStorageLocation velero/default is not a LAN address (minio.example.com is a public DNS name, resolvable from anywhere) (+1 more)',
    );
    expect(problems[1]).toMatch(/publicUrl http:\/\/203\.0\.113\.7:9000 of BackupStorageLocation velero\/default is not a LAN address \(203\.0\.113\.7 is in the reserved range/);
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
    expect(problems[0]).toMatch(/Service minio\/minio exposes MinIO \(type NodePort, port 9000 → nodePort 30900/);
    expect(finding.critical).toBe(true);
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

afterAll(removeRenderedDirs);

/** The changed homelab rendering judged as rendered manifests and as a snapshot of the same objects. */
function judgeBoth(mutate: (docs: any[]) => void, options: { plan?: BackupPlanInput } = {}) {
  return { manifests: judgeRendered('guard.lan-only', mutate, options.plan, 'manifests'), snapshot: judgeRendered('guard.lan-only', mutate, options.plan, 'snapshot') };
}
const minioIngress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'minio-console', namespace: 'minio' },
  spec: { rules: [{ host: 'minio.lan', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'minio', port: { number: 9001 } } } }] } }] },
};

describe('guard.lan-only on rendered manifests and the same objects as a snapshot', () => {
  it('passes the homelab rendering with the same summary on both; the bucket is not verified', () => {
    const { manifests, snapshot } = judgeBoth(() => {});
    expect(manifests.status).toBe('pass');
    expect(manifests.summary).toBe('MinIO is kept on the LAN (endpoint and cluster checked; bucket not verified)');
    expect(snapshot.summary).toBe(manifests.summary);
    expect(manifests.evidence).toEqual(snapshot.evidence);
    // Files in a repository never show the bucket: no hint to capture it there.
    expect(manifests.warnings).toBeUndefined();
    expect(snapshot.warnings?.[0]).toMatch(/The bucket part \(anonymous access, bucket policy\) was not verified/);
  });

  it('fails a public publicUrl and an aws location without s3Url', () => {
    const publicUrl = judgeBoth((docs) => (find(docs, 'BackupStorageLocation', 'default').spec.config.publicUrl = 'https://backups.example.com'));
    expect(publicUrl.manifests.status).toBe('fail');
    expect(publicUrl.manifests.critical).toBe(true);
    expect(publicUrl.manifests.summary).toBe(
      'MinIO is not kept LAN-only: spec.config.publicUrl https://backups.example.com of BackupStorageLocation velero/default is not a LAN address (backups.example.com is a public DNS name, resolvable from anywhere)',
    );
    expect(publicUrl.snapshot.summary).toBe(publicUrl.manifests.summary);
    const aws = judgeBoth((docs) => delete find(docs, 'BackupStorageLocation', 'default').spec.config.s3Url);
    expect(aws.manifests.status).toBe('fail');
    expect(aws.manifests.summary).toBe('MinIO is not kept LAN-only: BackupStorageLocation velero/default has no s3Url, so it targets AWS S3 rather than the LAN MinIO');
    expect(aws.snapshot.summary).toBe(aws.manifests.summary);
  });

  it('passes a private publicUrl and fails an Ingress to MinIO as critical, on both', () => {
    const privateUrl = judgeBoth((docs) => (find(docs, 'BackupStorageLocation', 'default').spec.config.publicUrl = 'http://minio.home.arpa:9000'));
    expect(privateUrl.manifests.status).toBe('pass');
    expect(privateUrl.manifests.evidence).toContain('BackupStorageLocation velero/default: spec.config.publicUrl = http://minio.home.arpa:9000 → private (minio.home.arpa ends in .home.arpa, a name that does not resolve on the public internet)');
    const { manifests, snapshot } = judgeBoth((docs) => docs.push(structuredClone(minioIngress)));
    for (const finding of [manifests, snapshot]) {
      expect(finding.status).toBe('fail');
      expect(finding.critical).toBe(true);
      expect(finding.summary).toBe('MinIO is not kept LAN-only: Ingress minio/minio-console exposes MinIO (Ingress routes to Service minio (hosts minio.lan))');
    }
  });

  it('a public s3Url of someone else\'s store is judged only as exposure when the plan names no endpoint', () => {
    const publicStore = judgeBoth((docs) => (find(docs, 'BackupStorageLocation', 'default').spec.config.s3Url = 'https://minio.example.com'), { plan: { expect: { s3Url: false } } });
    expect(publicStore.manifests.status).toBe('fail');
    expect(publicStore.manifests.summary).toMatch(/^MinIO is not kept LAN-only: spec\.config\.s3Url https:\/\/minio\.example\.com puts a self-hosted object store on the internet/);
    expect(publicStore.snapshot.summary).toBe(publicStore.manifests.summary);
    const cloud = judgeBoth((docs) => (find(docs, 'BackupStorageLocation', 'default').spec.config.s3Url = 'https://s3.eu-central-1.amazonaws.com'), { plan: { expect: { s3Url: false } } });
    expect(cloud.manifests.status).toBe('pass');
    expect(cloud.manifests.summary).toBe(
      'No self-hosted object store is exposed: every storage location is a cloud store, an in-cluster or LAN address, or not shown, and nothing publishes MinIO (endpoint and cluster checked; bucket not verified)',
    );
    expect(cloud.snapshot.summary).toBe(cloud.manifests.summary);
  });

  it('without a BackupStorageLocation the endpoint is not shown: no failure, and the exposure is still judged', () => {
    // Resolved disagreement: the manifests judge failed ("no BackupStorageLocation is rendered") and
    // the cluster judge judged the plan's own s3Url; neither is in the input (must.s3-target fails the missing location).
    const removeBsl = (docs: any[]) => docs.splice(docs.indexOf(find(docs, 'BackupStorageLocation', 'default')), 1);
    const { manifests, snapshot } = judgeBoth(removeBsl);
    expect(manifests.status).toBe('pass');
    expect(manifests.summary).toBe('MinIO is kept on the LAN (cluster checked; endpoint and bucket not verified)');
    expect(manifests.warnings?.[0]).toBe('No BackupStorageLocation is in namespace velero: the S3 endpoint is not shown.');
    expect(snapshot.summary).toBe(manifests.summary);
    const exposed = judgeBoth((docs) => {
      removeBsl(docs);
      docs.push(structuredClone(minioIngress));
    });
    expect(exposed.manifests.status).toBe('fail');
    expect(exposed.snapshot.status).toBe('fail');
  });

  it('says "not shown" when the input holds no location, no Services or routes and no bucket', () => {
    const { manifests } = judgeBoth((docs) => docs.splice(0, docs.length, ...docs.filter((doc) => !['BackupStorageLocation', 'Service', 'Ingress', 'HTTPRoute'].includes(doc.kind))));
    expect(manifests.status).toBe('skip');
    expect(manifests.summary).toBe('Not shown: the input holds no BackupStorageLocation, no Services, Ingresses or HTTPRoutes and no bucket read.');
  });
});

