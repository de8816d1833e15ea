/**
 * The small typed API layer over KubeClient: get/list (all pages)/create/delete/merge-patch of
 * the resources in `resources.ts`, pod logs, `/version` and API discovery. Objects stay plain
 * JSON (KubeObject); list items get back the `apiVersion`/`kind` the API server leaves out.
 */
import type { KubeObject } from '../state.ts';
import { KubeClient } from './client.ts';
import { isConflict, isNotFound, KubeApiError } from './errors.ts';
import { apiVersionOf, groupVersionPath, qualifiedResource, resourcePath, type ResourceType } from './resources.ts';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size (the API server's `limit`); all pages are read. */
  pageSize?: number;
  signal?: AbortSignal;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  deadlineMs?: number;
}

export class KubeApi {
  constructor(readonly client: KubeClient) {}

  async get(type: ResourceType, name: string, namespace?: string, options: CallOptions = {}): Promise<KubeObject | undefined> {
    try {
      return await this.client.request<KubeObject>({
        method: 'GET',
        path: resourcePath(type, { namespace, name }),
        describe: { verb: 'get', resource: qualifiedResource(type), namespace, name },
        ...options,
      });
    } catch (error) {
      // Object absent, or its API group not served: either way there is nothing to read.
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(type: ResourceType, options: ListOptions = {}): Promise<ListResult> {
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = await this.client.request<{ items?: KubeObject[]; metadata?: { continue?: string; resourceVersion?: string } }>({
        method: 'GET',
        path: resourcePath(type, { namespace: options.namespace }),
        query: {
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: options.pageSize ?? 250,
          continue: continueToken,
        },
        describe: { verb: 'list', resource: qualifiedResource(type), namespace: options.namespace },
        signal: options.signal,
      });
      for (const item of page.items ?? []) items.push({ ...item, apiVersion: item.apiVersion ?? apiVersionOf(type), kind: item.kind ?? type.kind });
      continueToken = page.metadata?.continue || undefined;
      resourceVersion ??= page.metadata?.resourceVersion;
    } while (continueToken);
    return { items, resourceVersion };
  }

  async create(type: ResourceType, object: KubeObject, options: CallOptions = {}): Promise<KubeObject> {
    const namespace = object.metadata.namespace;
    return this.client.request<KubeObject>({
      method: 'POST',
      path: resourcePath(type, { namespace }),
      body: object,
      describe: { verb: 'create', resource: qualifiedResource(type), namespace, name: object.metadata.name ?? object.metadata.generateName },
      ...options,
    });
  }

  /**
   * Create, tolerating a create that a retried request had already applied: a 409 for an object
   * whose labels are ours (`owned`) returns the existing object instead of failing.
   */
  async createOwned(type: ResourceType, object: KubeObject, owned: (existing: KubeObject) => boolean, options: CallOptions = {}): Promise<KubeObject> {
    try {
      return await this.create(type, object, options);
    } catch (error) {
      if (!isConflict(error) || !object.metadata.name) throw error;
      const existing = await this.get(type, object.metadata.name, object.metadata.namespace, options);
      if (existing && owned(existing) && existing.metadata.deletionTimestamp === undefined) return existing;
      throw error;
    }
  }

  /** Delete one object; `false` when it was already gone. `uid` makes the delete conditional on that exact object. */
  /** `resourceVersion`: delete only if nobody changed the object since it was read (409 otherwise). */
  async delete(type: ResourceType, name: string, namespace?: string, options: CallOptions & { uid?: string; resourceVersion?: string; propagation?: 'Background' | 'Foreground' } = {}): Promise<boolean> {
    try {
      await this.client.request({
        method: 'DELETE',
        path: resourcePath(type, { namespace, name }),
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: options.propagation ?? 'Background',
          ...(options.uid || options.resourceVersion ? { preconditions: { ...(options.uid ? { uid: options.uid } : {}), ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}) } } : {}),
        },
        describe: { verb: 'delete', resource: qualifiedResource(type), namespace, name },
        signal: options.signal,
        deadlineMs: options.deadlineMs,
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async mergePatch(type: ResourceType, name: string, namespace: string | undefined, patch: unknown, options: CallOptions = {}): Promise<KubeObject> {
    return this.client.request<KubeObject>({
      method: 'PATCH',
      path: resourcePath(type, { namespace, name }),
      body: patch,
      // CRDs reject strategic merge patch (415); merge patch works for every kind.
      contentType: 'application/merge-patch+json',
      describe: { verb: 'patch', resource: qualifiedResource(type), namespace, name },
      ...options,
    });
  }

  async podLog(namespace: string, name: string, options: CallOptions & { container?: string; tailLines?: number } = {}): Promise<string> {
    return this.client.request<string>({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log`,
      query: { container: options.container, tailLines: options.tailLines },
      accept: 'text',
      describe: { verb: 'get', resource: 'pods/log', namespace, name },
      signal: options.signal,
      deadlineMs: options.deadlineMs,
    });
  }

  async serverVersion(options: CallOptions = {}): Promise<{ gitVersion?: string; major?: string; minor?: string }> {
    return this.client.request({ method: 'GET', path: '/version', describe: { verb: 'get', resource: 'version' }, ...options });
  }

  /** Whether the API server serves `group/version` (discovery). A 404 means the group's CRDs are not installed. */
  async serves(type: Pick<ResourceType, 'group' | 'version'>, options: CallOptions = {}): Promise<boolean> {
    try {
      await this.client.request({ method: 'GET', path: groupVersionPath(type), describe: { verb: 'get', resource: `${groupVersionPath(type)} (discovery)` }, ...options });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
  }
}
