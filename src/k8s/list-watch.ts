import type { KubeObject } from './object.js';
import { apiVersionOf, collectionPath, type ResourceType } from './resource-path.js';
import type { KubeApi, Query, WatchEvent } from './rest-client.js';

export interface ListResult<T> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
}

/** Where an informer gets its objects; the REST one below, or a scripted one in unit tests. */
export interface ListWatchSource<T> {
  list(signal: AbortSignal): Promise<ListResult<T>>;
  /** Resolves when the server ends the watch; rejects on a transport or HTTP error. */
  watch(
    resourceVersion: string,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

export interface Selection {
  /** Undefined on a namespaced type: all namespaces. */
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
}

/** Server-side watch length; randomised per watch so many informers do not reconnect in step. */
const WATCH_TIMEOUT_MIN_S = 300;

export function restListWatch<T extends KubeObject>(
  api: KubeApi,
  type: ResourceType,
  selection: Selection = {},
): ListWatchSource<T> {
  const path = collectionPath(type, selection.namespace);
  const selectors: Query = {
    labelSelector: selection.labelSelector,
    fieldSelector: selection.fieldSelector,
  };
  return {
    async list(signal) {
      const list = await api.request<{ items?: T[]; metadata?: { resourceVersion?: string } }>({
        method: 'GET',
        path,
        query: selectors,
        signal,
      });
      return {
        // List items carry no apiVersion; fill it in so handlers see the same shape as watch events.
        items: (list.items ?? []).map((item) => withApiVersion(item, type)),
        resourceVersion: list.metadata?.resourceVersion ?? '',
      };
    },
    watch(resourceVersion, onEvent, signal) {
      return api.watch<T>(
        path,
        {
          ...selectors,
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: WATCH_TIMEOUT_MIN_S + Math.floor(Math.random() * WATCH_TIMEOUT_MIN_S),
        },
        onEvent,
        signal,
      );
    },
  };
}

function withApiVersion<T extends KubeObject>(item: T, type: ResourceType): T {
  return item.apiVersion !== undefined ? item : { ...item, apiVersion: apiVersionOf(type) };
}
