import type { Logger } from 'pino';
import type { KubeApi } from '../../../k8s/rest-client.js';
import type { KubeObject } from '../../../k8s/object.js';
import { restListWatch } from '../../../k8s/list-watch.js';
import { ResourceTypes } from '../../../k8s/resource-path.js';
import { mergeLabels } from '../../merge-labels.js';
import type { TargetGroup } from '../../model.js';
import type { DiscoveryProvider, ProviderFactory, TargetGroupSink } from '../provider.js';
import { ROLE_DEFINITIONS, type RoleDefinition, type RoleLookups } from './roles.js';
import {
  parseKubernetesSdOptions,
  type KubeTarget,
  type KubernetesSdOptions,
} from './sd-options.js';
import { WatchedResource, type ListWatchFactory } from './watched-resource.js';

export interface KubernetesSdDeps {
  /** Opens a client for one entry's API server (kubeconfig_file, api_server, or the default). */
  readonly connect: (target: KubeTarget) => Promise<KubeApi>;
  /** The allocator's namespace, for `namespaces.own_namespace`. */
  readonly ownNamespace?: string | undefined;
  /** How to list+watch; default the REST list/watch of src/k8s. */
  readonly listWatch?: (api: KubeApi) => ListWatchFactory;
}

/** `kubernetes_sd_configs`: the factory to register as that kind in the discovery registry. */
export function createKubernetesSdFactory(deps: KubernetesSdDeps): ProviderFactory {
  return (config, context): DiscoveryProvider => {
    const options = parseKubernetesSdOptions(config, context, deps.ownNamespace);
    const logger = context.logger.child({
      mechanism: 'kubernetes_sd',
      job: context.job,
      role: options.role,
    });
    return new KubernetesSdProvider(options, deps, logger);
  };
}

/** Shared by every group that uses no node (most, and all without attach_metadata.node). */
const NO_KEYS: readonly string[] = [];

/** What one primary object's group was built from, to re-build it when one of those changes. */
interface Uses {
  readonly pods: readonly string[];
  readonly service?: string;
  readonly nodes: readonly string[];
}

/**
 * Watches the role's objects (plus services and pods for the endpoints roles, and nodes with
 * attach_metadata.node) and emits the group of each changed object only. Changes are coalesced per microtask, so the initial list is one
 * emission and a burst of events for one object builds its group once.
 */
export class KubernetesSdProvider implements DiscoveryProvider {
  private readonly role: RoleDefinition;
  private primary: WatchedResource | undefined;
  private services: WatchedResource | undefined;
  private pods: WatchedResource | undefined;
  private nodes: WatchedResource | undefined;
  private sink: TargetGroupSink | undefined;
  private starting: Promise<void> = Promise.resolve();
  private readonly dirty = new Set<string>();
  private flushQueued = false;
  /** pod, service or node key -> primary keys whose group used that object. */
  private readonly podUsers = new Map<string, Set<string>>();
  private readonly serviceUsers = new Map<string, Set<string>>();
  private readonly nodeUsers = new Map<string, Set<string>>();
  private readonly usesOf = new Map<string, Uses>();

  constructor(
    private readonly options: KubernetesSdOptions,
    private readonly deps: KubernetesSdDeps,
    private readonly logger: Logger,
  ) {
    this.role = ROLE_DEFINITIONS[options.role];
  }

  async start(sink: TargetGroupSink): Promise<void> {
    this.sink = sink;
    const api = await this.deps.connect(this.options.target);
    const listWatch =
      this.deps.listWatch?.(api) ??
      ((type, selection): ReturnType<ListWatchFactory> =>
        restListWatch<KubeObject>(api, type, selection));
    const { namespaces, selectors } = this.options;
    const watch = (
      role: 'pod' | 'service' | typeof this.options.role,
      type: Parameters<ListWatchFactory>[0],
    ): WatchedResource =>
      new WatchedResource(type, namespaces, selectors.get(role) ?? {}, listWatch, this.logger);
    this.primary = watch(this.options.role, this.role.primary);
    this.primary.onChange((key) => this.markDirty(key));
    if (this.role.secondary.includes('service')) {
      this.services = watch('service', ResourceTypes.services);
      this.services.onChange((key) => this.markUsers(this.serviceUsers, key));
    }
    if (this.role.secondary.includes('pod')) {
      this.pods = watch('pod', ResourceTypes.pods);
      this.pods.onChange((key) => this.markUsers(this.podUsers, key));
    }
    if (this.options.attachNode) {
      // Nodes are cluster-scoped: one watch whatever the namespaces (narrowed by the pod role's
      // node selector). A node's add, change or removal re-builds the groups of the targets on
      // it, as Prometheus re-queues them.
      const nodeSelector = selectors.get('node') ?? {};
      this.nodes = new WatchedResource(
        ResourceTypes.nodes,
        undefined,
        nodeSelector,
        listWatch,
        this.logger,
      );
      this.nodes.onChange((key) => this.markUsers(this.nodeUsers, key));
    }
    // Secondaries first, so the first build of a slice already sees its service, pods and
    // nodes. In the background: an unreachable API server must not hold up the allocator's start.
    const primary = this.primary;
    const secondaries = [this.services, this.pods, this.nodes];
    for (const w of secondaries) await w?.start();
    // A stop while the secondaries have not listed yet (API server unreachable) ends the wait:
    // a stopped watch never syncs, and stop() awaits this chain.
    const stopped = new Promise<void>((resolve) => (this.releaseStart = resolve));
    this.starting = Promise.race([
      Promise.all(secondaries.flatMap((w) => (w === undefined ? [] : [w.waitForSync()]))),
      stopped,
    ]).then(() => (this.sink === undefined ? undefined : primary.start()));
  }

  async stop(): Promise<void> {
    this.sink = undefined;
    this.releaseStart?.();
    await Promise.all([this.services?.stop(), this.pods?.stop(), this.nodes?.stop()]);
    await this.starting;
    await this.primary?.stop();
  }

  private releaseStart: (() => void) | undefined;

  private markUsers(index: ReadonlyMap<string, ReadonlySet<string>>, key: string): void {
    // Indexed when the dependent was built, whether or not the service or pod existed then.
    for (const user of index.get(key) ?? []) this.markDirty(user);
  }

  private markDirty(key: string): void {
    this.dirty.add(key);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    const keys = [...this.dirty];
    this.dirty.clear();
    if (this.sink === undefined || this.primary === undefined) return;
    const lookups: RoleLookups = {
      pods: (key) => this.pods?.get(key),
      services: (key) => this.services?.get(key),
      nodes: this.nodes === undefined ? undefined : (key) => this.nodes?.get(key),
    };
    const groups: TargetGroup[] = [];
    for (const key of keys) {
      const obj = this.primary.get(key);
      this.trackUses(key, obj);
      groups.push(
        obj === undefined
          ? { source: this.role.source(key), targets: [], labels: {} }
          : compactGroup(this.role.build(obj, lookups)),
      );
    }
    if (groups.length > 0) this.sink(groups);
  }

  /** Keeps the reverse indexes (pod/service/node -> dependent primary keys) current. */
  private trackUses(key: string, obj: KubeObject | undefined): void {
    const previous = this.usesOf.get(key);
    if (previous !== undefined) {
      for (const pod of previous.pods) removeUser(this.podUsers, pod, key);
      if (previous.service !== undefined) removeUser(this.serviceUsers, previous.service, key);
      for (const node of previous.nodes) removeUser(this.nodeUsers, node, key);
      this.usesOf.delete(key);
    }
    const withNodes = this.nodes !== undefined && this.role.nodeNames !== undefined;
    if (
      obj === undefined ||
      (this.role.podKeys === undefined && this.role.serviceKey === undefined && !withNodes)
    ) {
      return;
    }
    const pods = this.role.podKeys?.(obj) ?? [];
    const service = this.role.serviceKey?.(obj);
    const nodes = withNodes ? (this.role.nodeNames?.(obj) ?? NO_KEYS) : NO_KEYS;
    for (const pod of pods) addUser(this.podUsers, pod, key);
    if (service !== undefined) addUser(this.serviceUsers, service, key);
    for (const node of nodes) addUser(this.nodeUsers, node, key);
    this.usesOf.set(key, service === undefined ? { pods, nodes } : { pods, service, nodes });
  }
}

function addUser(index: Map<string, Set<string>>, key: string, user: string): void {
  let users = index.get(key);
  if (users === undefined) index.set(key, (users = new Set()));
  users.add(user);
}

function removeUser(index: Map<string, Set<string>>, key: string, user: string): void {
  const users = index.get(key);
  users?.delete(user);
  if (users?.size === 0) index.delete(key);
}

/**
 * The roles build label sets key by key, which leaves V8 dictionary-mode objects (~1.4 KB for 30
 * labels); the group is held until the object changes, so it is rebuilt once into compact objects
 * sharing a hidden class per key layout (see mergeLabels).
 */
function compactGroup(group: TargetGroup): TargetGroup {
  return {
    source: group.source,
    labels: mergeLabels(group.labels),
    targets: group.targets.map((target) => mergeLabels(target)),
  };
}
