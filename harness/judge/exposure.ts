/**
 * Pure helpers for the "keep MinIO LAN only" guardrail (plan: "Do NOT expose MinIO publicly"),
 * used by judge/guard-lan-only.ts on every target (and `isPlaceholder` by image pinning):
 *
 * - `classifyHost(hostOrUrl)` — is an endpoint's host on the LAN, loopback, public, or unknown?
 *   No DNS lookup is ever made (the harness contacts loopback only, docs/architecture.md §8): a DNS name is
 *   judged by its shape (internal suffixes, single-label names).
 * - `findPublicExposure(objects)` — Services of type LoadBalancer/NodePort (or with externalIPs),
 *   Ingresses and Gateway API HTTPRoutes that reach MinIO.
 *
 * docs/retention-and-exposure.md §5.3 (rule E4): the endpoint or publicUrl is public, or a
 * Service, Ingress or HTTPRoute publishes MinIO; Velero
 * `contributions/minio.md` names NodePort, Ingress and `publicUrl` as the ways MinIO gets exposed.
 */
import ipaddr from 'ipaddr.js';
import type { KubeObject, StateObjects } from '../state.ts';
import { describeObject } from './facts/manifests-input.ts';

export type HostScope = 'loopback' | 'private' | 'public' | 'unknown';

export interface HostClassification {
  /** The host part that was judged (no scheme, port, brackets or trailing dot); '' when none. */
  host: string;
  scope: HostScope;
  /** Why, in a few words, e.g. "10.10.10.209 is in an RFC 1918 private range". */
  reason: string;
}

/** Loopback or private: reachable only from the machine or the LAN. */
export function isLanScope(scope: HostScope): boolean {
  return scope === 'loopback' || scope === 'private';
}

/**
 * DNS suffixes that never resolve on the public internet: mDNS (`.local`, RFC 6762), the home
 * network zone (`.home.arpa`, RFC 8375), ICANN's private-use `.internal`, the customary `.lan`,
 * `.localdomain`, and Kubernetes in-cluster service names (`.svc`, `.cluster.local`).
 */
const PRIVATE_SUFFIXES = ['.local', '.lan', '.home.arpa', '.internal', '.localdomain', '.svc', '.cluster.local'];

/** The host of a URL, `host:port`, `[v6]:port` or bare host; lower-cased, without a trailing dot. */
export function hostOf(hostOrUrl: string): string {
  let text = hostOrUrl.trim();
  if (text === '') return '';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      text = new URL(text).hostname;
    } catch {
      // Not a parseable URL: strip the scheme and fall through to the host:port rules.
      text = text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/[/?#].*$/, '').replace(/^.*@/, '');
    }
  } else {
    text = text.replace(/[/?#].*$/, '');
  }
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    text = close > 0 ? text.slice(1, close) : text.slice(1);
  } else if ((text.match(/:/g) ?? []).length === 1) {
    text = text.slice(0, text.indexOf(':')); // host:port (a bare IPv6 address has several colons)
  }
  return text.toLowerCase().replace(/\.$/, '');
}

function classifyAddress(host: string, address: ipaddr.IPv4 | ipaddr.IPv6): HostClassification {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    const inner = classifyAddress(host, (address as ipaddr.IPv6).toIPv4Address());
    return { ...inner, reason: `${inner.reason} (IPv4-mapped IPv6 address)` };
  }
  const range = address.range();
  switch (range) {
    case 'loopback':
      return { host, scope: 'loopback', reason: `${host} is a loopback address` };
    case 'private':
      return { host, scope: 'private', reason: `${host} is in an RFC 1918 private range` };
    case 'uniqueLocal':
      return { host, scope: 'private', reason: `${host} is an IPv6 unique local address (fc00::/7)` };
    case 'linkLocal':
      return { host, scope: 'private', reason: `${host} is a link-local address` };
    case 'carrierGradeNat':
      // 100.64.0.0/10 (RFC 6598) is not routed on the internet; overlay VPNs such as Tailscale use it.
      return { host, scope: 'private', reason: `${host} is in the carrier-grade NAT range 100.64.0.0/10 (not internet-routable)` };
    case 'unicast':
      return { host, scope: 'public', reason: `${host} is a public (internet-routable) address` };
    default:
      return { host, scope: 'unknown', reason: `${host} is in the ${range} range, which is not a LAN range` };
  }
}

/**
 * Classify the host of an endpoint. Only `loopback` and `private` count as LAN-only; a public
 * DNS name is `public` even if split-horizon DNS happens to resolve it privately, because the
 * harness never resolves names and the name works from anywhere that can resolve it.
 */
export function classifyHost(hostOrUrl: string): HostClassification {
  const host = hostOf(hostOrUrl);
  if (host === '') return { host, scope: 'unknown', reason: 'no host given' };
  if (ipaddr.IPv4.isValidFourPartDecimal(host) || (host.includes(':') && ipaddr.IPv6.isValid(host))) {
    return classifyAddress(host, ipaddr.parse(host));
  }
  if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(host)) {
    return { host, scope: 'unknown', reason: `"${host}" is neither an IP address nor a DNS name` };
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return { host, scope: 'loopback', reason: `${host} names the loopback interface` };
  const suffix = PRIVATE_SUFFIXES.find((candidate) => host.endsWith(candidate));
  if (suffix) return { host, scope: 'private', reason: `${host} ends in ${suffix}, a name that does not resolve on the public internet` };
  if (!host.includes('.')) {
    return { host, scope: 'private', reason: `${host} is a single-label name, resolved only through local search domains` };
  }
  return { host, scope: 'public', reason: `${host} is a public DNS name, resolvable from anywhere` };
}

export interface ExposureMatch {
  /** Name fragments that identify MinIO in object names, labels and selectors (case-insensitive). */
  names: string[];
  /** Ports MinIO serves: 9000 (S3 API) and 9001 (console). */
  ports: number[];
}

const DEFAULT_EXPOSURE_MATCH: ExposureMatch = { names: ['minio'], ports: [9000, 9001] };

export interface Exposure {
  /** `Kind namespace/name`, e.g. "Service minio/minio". */
  object: string;
  /** How it exposes MinIO, e.g. "type NodePort, port 9000 → nodePort 30900". */
  how: string;
}

function mentions(text: unknown, match: ExposureMatch): boolean {
  return typeof text === 'string' && match.names.some((name) => text.toLowerCase().includes(name.toLowerCase()));
}

function recordMentions(record: unknown, match: ExposureMatch): boolean {
  if (typeof record !== 'object' || record === null) return false;
  return Object.values(record as Record<string, unknown>).some((value) => mentions(value, match));
}

interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
}

/** Why a Service is MinIO's, or undefined when nothing points to MinIO. */
function minioServiceReason(service: KubeObject, match: ExposureMatch): string | undefined {
  if (mentions(service.metadata.name, match)) return `named ${service.metadata.name}`;
  if (recordMentions(service.metadata.labels, match)) return 'labelled as MinIO';
  const spec = (service.spec ?? {}) as { selector?: Record<string, string>; ports?: ServicePort[] };
  if (recordMentions(spec.selector, match)) return 'selects MinIO pods';
  const port = (spec.ports ?? []).find((p) => match.ports.includes(Number(p.port)) || match.ports.includes(Number(p.targetPort)));
  if (port) return `serves port ${match.ports.includes(Number(port.port)) ? port.port : port.targetPort} (MinIO's S3 API/console port)`;
  return undefined;
}

function describePorts(ports: ServicePort[] | undefined, withNodePort: boolean): string {
  const parts = (ports ?? []).map((p) => {
    const base = `${p.port ?? '?'}`;
    return withNodePort && p.nodePort ? `${base} → nodePort ${p.nodePort}` : base;
  });
  return parts.length ? `port${parts.length > 1 ? 's' : ''} ${parts.join(', ')}` : 'no ports listed';
}

function serviceExposure(service: KubeObject, match: ExposureMatch): Exposure | undefined {
  const reason = minioServiceReason(service, match);
  if (!reason) return undefined;
  const spec = (service.spec ?? {}) as { type?: string; ports?: ServicePort[]; externalIPs?: string[]; loadBalancerIP?: string };
  const status = (service.status ?? {}) as { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
  const object = describeObject(service);
  if (spec.type === 'LoadBalancer') {
    const addresses = [spec.loadBalancerIP, ...(status.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname)].filter(
      (a): a is string => typeof a === 'string' && a !== '',
    );
    const where = addresses.length ? ` at ${addresses.join(', ')}` : '';
    return { object, how: `type LoadBalancer${where}, ${describePorts(spec.ports, true)} (${reason})` };
  }
  if (spec.type === 'NodePort') {
    // A NodePort listens on every node's addresses: the cluster cannot tell whether those are public.
    return { object, how: `type NodePort, ${describePorts(spec.ports, true)} on every node (${reason})` };
  }
  if ((spec.externalIPs ?? []).length > 0) {
    return { object, how: `externalIPs ${spec.externalIPs!.join(', ')}, ${describePorts(spec.ports, false)} (${reason})` };
  }
  return undefined;
}

interface BackendRef {
  name?: string;
  port?: number | string;
  /** Namespace of the referenced object (Gateway API); defaults to the route's namespace. */
  namespace?: string;
}

/** Every backend an Ingress routes to (default backend and each path). */
function ingressBackends(ingress: KubeObject): BackendRef[] {
  type IngressBackend = { service?: { name?: string; port?: { number?: number; name?: string } }; serviceName?: string; servicePort?: number | string };
  const spec = (ingress.spec ?? {}) as {
    defaultBackend?: IngressBackend;
    backend?: IngressBackend;
    rules?: Array<{ http?: { paths?: Array<{ backend?: IngressBackend }> } }>;
  };
  const raw: IngressBackend[] = [spec.defaultBackend, spec.backend, ...(spec.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((path) => path.backend))].filter(
    (b): b is IngressBackend => b !== undefined,
  );
  // networking.k8s.io/v1 uses service.name/port; the removed v1beta1 used serviceName/servicePort.
  return raw.map((b) => ({ name: b.service?.name ?? b.serviceName, port: b.service?.port?.number ?? b.service?.port?.name ?? b.servicePort }));
}

function routeBackends(route: KubeObject): BackendRef[] {
  const spec = (route.spec ?? {}) as { rules?: Array<{ backendRefs?: Array<{ kind?: string; name?: string; namespace?: string; port?: number }> }> };
  return (spec.rules ?? [])
    .flatMap((rule) => rule.backendRefs ?? [])
    .filter((ref) => ref.kind === undefined || ref.kind === 'Service')
    .map((ref) => ({ name: ref.name, port: ref.port, namespace: ref.namespace }));
}

function hostsOf(object: KubeObject): string[] {
  const spec = (object.spec ?? {}) as { rules?: Array<{ host?: string }>; hostnames?: string[] };
  if (object.kind === 'HTTPRoute') return spec.hostnames ?? [];
  return (spec.rules ?? []).map((rule) => rule.host).filter((h): h is string => typeof h === 'string');
}

/**
 * Why a route/ingress reaches MinIO: a backend that is (or is named like) MinIO, a backend port
 * 9000/9001, or a host name mentioning MinIO.
 */
function routeReason(object: KubeObject, backends: BackendRef[], services: KubeObject[], match: ExposureMatch): string | undefined {
  const namespace = object.metadata.namespace;
  for (const backend of backends) {
    const service = services.find((s) => s.metadata.name === backend.name && (s.metadata.namespace ?? namespace) === (backend.namespace ?? namespace));
    if (service) {
      const reason = minioServiceReason(service, match);
      if (reason) return `routes to Service ${backend.name}, which ${reason.startsWith('named') ? 'is ' + reason : reason}`;
    }
    if (mentions(backend.name, match)) return `routes to Service ${backend.name}`;
    if (typeof backend.port === 'number' && match.ports.includes(backend.port)) return `routes to port ${backend.port} of Service ${backend.name ?? '?'}`;
  }
  const host = hostsOf(object).find((h) => mentions(h, match));
  if (host) return `serves host ${host}`;
  return undefined;
}

/**
 * Every object that exposes MinIO outside the cluster network: Services of type LoadBalancer or
 * NodePort (or with externalIPs) that are MinIO's, and Ingresses/HTTPRoutes routing to MinIO.
 *
 * An Ingress or HTTPRoute counts whatever its host name says: a private-looking host such as
 * `minio.lan` is only a Host header, and the ingress controller in front of it may be reachable
 * from anywhere, so a static check cannot call it LAN-only.
 */
export function findPublicExposure(objects: Pick<StateObjects, 'services' | 'ingresses' | 'httpRoutes'>, options: Partial<ExposureMatch> = {}): Exposure[] {
  const match: ExposureMatch = { names: options.names ?? DEFAULT_EXPOSURE_MATCH.names, ports: options.ports ?? DEFAULT_EXPOSURE_MATCH.ports };
  const exposures: Exposure[] = [];
  for (const service of objects.services) {
    const exposure = serviceExposure(service, match);
    if (exposure) exposures.push(exposure);
  }
  for (const ingress of objects.ingresses) {
    const reason = routeReason(ingress, ingressBackends(ingress), objects.services, match);
    if (reason) {
      const hosts = hostsOf(ingress);
      exposures.push({ object: describeObject(ingress), how: `Ingress ${reason}${hosts.length ? ` (hosts ${hosts.join(', ')})` : ' (any host)'}` });
    }
  }
  for (const route of objects.httpRoutes) {
    const reason = routeReason(route, routeBackends(route), objects.services, match);
    if (reason) {
      const hosts = hostsOf(route);
      exposures.push({ object: describeObject(route), how: `HTTPRoute ${reason}${hosts.length ? ` (hostnames ${hosts.join(', ')})` : ' (any hostname)'}` });
    }
  }
  return exposures;
}

/** A value Flux postBuild, Terraform or an ApplicationSet fills in later: `${var}`, `{{ … }}`. */
export function isPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && (/\$\{[^}]*\}/.test(value) || /\{\{.*\}\}/.test(value) || /^<[^>]+>$/.test(value.trim()));
}

/**
 * Object stores run by a cloud provider (docs/manifests-gate.md "Exposure"): reachable from the
 * internet by design and protected by their own access control, so "exposed" does not apply.
 */
const CLOUD_OBJECT_STORE_SUFFIXES = [
  '.amazonaws.com', '.backblazeb2.com', '.r2.cloudflarestorage.com', '.oraclecloud.com', '.digitaloceanspaces.com', '.wasabisys.com',
  '.storage.googleapis.com', 'storage.googleapis.com', '.linodeobjects.com', '.scw.cloud', '.your-objectstorage.com', '.cloud.ovh.net',
  '.io.cloud.ovh.net', '.idrivee2.com', '.idrivee2-1.com', '.contabostorage.com', '.blob.core.windows.net', '.aliyuncs.com', '.myqcloud.com',
  '.cloud-object-storage.appdomain.cloud', '.storjshare.io', '.gateway.storjshare.io', '.hetzner.cloud', '.exoscale.com', '.ionoscloud.com',
];

/** Common public top-level domains: a two-label name ending in one is a public name, not `service.namespace`. */
const COMMON_PUBLIC_TLDS = new Set([
  'com', 'net', 'org', 'io', 'dev', 'app', 'co', 'me', 'fm', 'tv', 'xyz', 'cloud', 'info', 'biz', 'eu', 'de', 'uk', 'fr', 'nl', 'be', 'ch', 'at',
  'se', 'no', 'dk', 'fi', 'pl', 'cz', 'it', 'es', 'pt', 'ie', 'us', 'ca', 'au', 'nz', 'jp', 'cn', 'in', 'br', 'ru', 'sh', 'ai', 'gg', 'ly', 'to',
  'tech', 'site', 'online', 'host', 'pro', 'space', 'zone', 'network', 'systems', 'email', 'page', 'link', 'one', 'top', 'icu', 'cc', 'ws',
]);

export type StorageEndpointKind = 'placeholder' | 'cloud' | 'in-cluster' | 'lan' | 'public' | 'unknown';

export interface StorageEndpoint {
  kind: StorageEndpointKind;
  reason: string;
}

/**
 * Where a BackupStorageLocation's object store is, for the exposure guardrail when no plan says
 * where it should be: a cloud object store (AWS S3 without `s3Url`, a non-aws provider, or an
 * `s3Url` of a known cloud store), an in-cluster Service name (`minio.storage:9000`, `*.svc`),
 * a LAN address, a placeholder to be filled later, or a self-hosted store on a public address or
 * public DNS name — only the last is exposure.
 */
export function classifyStorageEndpoint(provider: unknown, url: unknown): StorageEndpoint {
  if (isPlaceholder(url)) return { kind: 'placeholder', reason: `${String(url)} is filled in at deploy time (not shown)` };
  if (typeof url !== 'string' || url.trim() === '') {
    if (isPlaceholder(provider)) return { kind: 'placeholder', reason: 'the provider is filled in at deploy time (not shown)' };
    if (provider === 'aws') return { kind: 'cloud', reason: 'provider aws without s3Url is AWS S3, a cloud object store' };
    return { kind: 'cloud', reason: `provider ${String(provider ?? '(unset)')} stores in its own cloud service` };
  }
  const host = hostOf(url);
  const cloud = CLOUD_OBJECT_STORE_SUFFIXES.find((suffix) => host === suffix.replace(/^\./, '') || host.endsWith(suffix));
  if (cloud) return { kind: 'cloud', reason: `${host} is a cloud object store (${cloud.replace(/^\./, '*.')})` };
  const verdict = classifyHost(url);
  if (verdict.scope === 'loopback' || verdict.scope === 'private') {
    const inCluster = /\.(svc|cluster\.local)$/.test(host) || !host.includes('.');
    return { kind: inCluster ? 'in-cluster' : 'lan', reason: verdict.reason };
  }
  const labels = host.split('.');
  if (verdict.scope === 'public' && labels.length === 2 && !COMMON_PUBLIC_TLDS.has(labels[1])) {
    return { kind: 'in-cluster', reason: `${host} has the shape of a Kubernetes Service name <service>.<namespace>, resolved inside the cluster` };
  }
  if (verdict.scope === 'public') return { kind: 'public', reason: `${verdict.reason}: a self-hosted object store there is reachable from outside` };
  return { kind: 'unknown', reason: verdict.reason };
}
