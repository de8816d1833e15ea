import { describe, expect, it } from 'vitest';
import { classifyHost, classifyStorageEndpoint, findPublicExposure, hostOf, isLanScope } from './exposure.ts';
import { emptyObjects, type KubeObject } from '../state.ts';

describe('hostOf', () => {
  it.each([
    ['http://10.10.10.209:9000', '10.10.10.209'],
    ['https://MinIO.Example.com/bucket', 'minio.example.com'],
    ['10.10.10.209:9000', '10.10.10.209'],
    ['[fd00::1]:9000', 'fd00::1'],
    ['http://[::1]:9000/', '::1'],
    ['fd00::1', 'fd00::1'],
    ['nas.lan.', 'nas.lan'],
    ['', ''],
  ])('%s → %s', (input, host) => {
    expect(hostOf(input)).toBe(host);
  });
});

describe('classifyHost', () => {
  it.each([
    ['http://10.10.10.209:9000', 'private'],
    ['http://172.16.4.2:9000', 'private'],
    ['http://192.168.1.10:9000', 'private'],
    ['http://127.0.0.1:9000', 'loopback'],
    ['http://[::1]:9000', 'loopback'],
    ['http://localhost:9000', 'loopback'],
    ['http://169.254.10.1:9000', 'private'],
    ['http://[fd12:3456::1]:9000', 'private'],
    ['http://[fe80::1]:9000', 'private'],
    ['http://100.101.102.103:9000', 'private'],
    ['http://[::ffff:10.0.0.1]:9000', 'private'],
    ['http://minio.local:9000', 'private'],
    ['http://nas.lan:9000', 'private'],
    ['http://pi.home.arpa:9000', 'private'],
    ['http://minio.corp.internal:9000', 'private'],
    ['http://minio.minio.svc.cluster.local:9000', 'private'],
    ['http://minio.minio.svc:9000', 'private'],
    ['http://minio:9000', 'private'],
    ['http://8.8.8.8:9000', 'public'],
    ['http://[2001:4860::8888]:9000', 'public'],
    ['[::ffff:8.8.8.8]', 'public'],
    ['https://minio.example.com', 'public'],
    ['https://s3.amazonaws.com', 'public'],
    ['http://0.0.0.0:9000', 'unknown'],
    ['http://203.0.113.5:9000', 'unknown'],
    ['', 'unknown'],
    ['http://bad host:9000', 'unknown'],
  ])('%s is %s', (input, scope) => {
    const result = classifyHost(input);
    expect(result.scope, result.reason).toBe(scope);
    expect(result.reason).not.toBe('');
  });

  it('explains its verdict with the host', () => {
    expect(classifyHost('http://10.10.10.209:9000').reason).toContain('RFC 1918');
    expect(classifyHost('https://minio.example.com').reason).toContain('minio.example.com');
  });

  it('only loopback and private count as LAN', () => {
    expect(isLanScope('loopback')).toBe(true);
    expect(isLanScope('private')).toBe(true);
    expect(isLanScope('public')).toBe(false);
    expect(isLanScope('unknown')).toBe(false);
  });
});

function object(kind: string, apiVersion: string, name: string, spec: unknown, extra: Partial<KubeObject> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: 'minio', ...(extra.metadata ?? {}) }, spec, ...extra } as KubeObject;
}

describe('findPublicExposure', () => {
  it('finds a NodePort Service named minio and says how it exposes it', () => {
    const objects = emptyObjects();
    objects.services.push(object('Service', 'v1', 'minio', { type: 'NodePort', ports: [{ port: 9000, nodePort: 30900 }] }));
    const found = findPublicExposure(objects);
    expect(found).toEqual([{ object: 'Service minio/minio', how: expect.stringContaining('nodePort 30900') }]);
  });

  it('finds a LoadBalancer that serves port 9000 whatever its name', () => {
    const objects = emptyObjects();
    objects.services.push(object('Service', 'v1', 's3', { type: 'LoadBalancer', ports: [{ port: 9000 }] }));
    expect(findPublicExposure(objects)[0].how).toContain('LoadBalancer');
  });

  it('finds a Service by selector and by externalIPs', () => {
    const objects = emptyObjects();
    objects.services.push(object('Service', 'v1', 'store', { externalIPs: ['8.8.4.4'], selector: { app: 'minio' }, ports: [{ port: 80 }] }));
    expect(findPublicExposure(objects)[0].how).toContain('externalIPs 8.8.4.4');
  });

  it('ignores ClusterIP Services, and exposed Services that are not MinIO', () => {
    const objects = emptyObjects();
    objects.services.push(object('Service', 'v1', 'minio', { type: 'ClusterIP', ports: [{ port: 9000 }] }));
    objects.services.push(object('Service', 'v1', 'grafana', { type: 'NodePort', ports: [{ port: 3000, nodePort: 30300 }] }));
    expect(findPublicExposure(objects)).toEqual([]);
  });

  it('finds an Ingress whose backend is the MinIO Service, even with a private-looking host', () => {
    const objects = emptyObjects();
    objects.services.push(object('Service', 'v1', 'object-store', { type: 'ClusterIP', selector: { 'app.kubernetes.io/name': 'minio' }, ports: [{ port: 80 }] }));
    objects.ingresses.push(
      object('Ingress', 'networking.k8s.io/v1', 'store', {
        rules: [{ host: 'store.lan', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'object-store', port: { number: 80 } } } }] } }],
      }),
    );
    const [found] = findPublicExposure(objects);
    expect(found.object).toBe('Ingress minio/store');
    expect(found.how).toContain('object-store');
    expect(found.how).toContain('store.lan');
  });

  it('finds an HTTPRoute to port 9001 and one by hostname', () => {
    const objects = emptyObjects();
    objects.httpRoutes.push(object('HTTPRoute', 'gateway.networking.k8s.io/v1', 'console', { rules: [{ backendRefs: [{ name: 'web', port: 9001 }] }] }));
    objects.httpRoutes.push(object('HTTPRoute', 'gateway.networking.k8s.io/v1', 'api', { hostnames: ['minio.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }));
    const found = findPublicExposure(objects);
    expect(found.map((e) => e.object)).toEqual(['HTTPRoute minio/console', 'HTTPRoute minio/api']);
  });

  it('ignores Ingresses of other applications and honours custom names', () => {
    const objects = emptyObjects();
    objects.ingresses.push(
      object('Ingress', 'networking.k8s.io/v1', 'grafana', {
        rules: [{ host: 'grafana.example.com', http: { paths: [{ backend: { service: { name: 'grafana', port: { number: 3000 } } } }] } }],
      }),
    );
    expect(findPublicExposure(objects)).toEqual([]);
    expect(findPublicExposure(objects, { names: ['grafana'] })).toHaveLength(1);
  });
});

describe('classifyStorageEndpoint (exposure that holds for any install)', () => {
  it('cloud object stores are never exposure', () => {
    expect(classifyStorageEndpoint('aws', undefined).kind).toBe('cloud');
    expect(classifyStorageEndpoint('gcp', undefined).kind).toBe('cloud');
    for (const url of ['https://s3.us-east-005.backblazeb2.com', 'https://abc.r2.cloudflarestorage.com', 'https://ns.compat.objectstorage.eu-frankfurt-1.oraclecloud.com', 'https://s3.eu-west-1.amazonaws.com']) {
      expect(classifyStorageEndpoint('aws', url).kind, url).toBe('cloud');
    }
  });

  it('in-cluster Service names and LAN addresses are not exposure', () => {
    expect(classifyStorageEndpoint('aws', 'http://minio.storage:9000').kind).toBe('in-cluster');
    expect(classifyStorageEndpoint('aws', 'http://minio.minio.svc.cluster.local:9000').kind).toBe('in-cluster');
    expect(classifyStorageEndpoint('aws', 'http://minio:9000').kind).toBe('in-cluster');
    expect(classifyStorageEndpoint('aws', 'http://192.168.1.10:9000').kind).toBe('lan');
  });

  it('placeholders are not shown', () => {
    expect(classifyStorageEndpoint('aws', '${S3_URL}').kind).toBe('placeholder');
    expect(classifyStorageEndpoint('aws', 'https://{{ .host }}').kind).toBe('placeholder');
    expect(classifyStorageEndpoint('aws', '<your-minio-url>').kind).toBe('placeholder');
  });

  it('a self-hosted store on a public address or public DNS name is exposure', () => {
    expect(classifyStorageEndpoint('aws', 'https://minio-bucket.white.fm').kind).toBe('public');
    expect(classifyStorageEndpoint('aws', 'https://s3.68cc.io').kind).toBe('public');
    expect(classifyStorageEndpoint('aws', 'http://93.184.216.34:9000').kind).toBe('public');
  });
});
