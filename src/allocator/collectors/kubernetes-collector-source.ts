import type { Logger } from 'pino';
import { Informer } from '../../k8s/informer.js';
import type { ListWatchSource } from '../../k8s/list-watch.js';
import type { DiscoveryClock } from '../discovery/clock.js';
import type { Pod } from '../discovery/kubernetes/kube-types.js';
import type { CollectorSource } from '../discovery/provider.js';
import type { Collector } from '../model.js';

export interface KubernetesCollectorSourceDeps {
  /** List+watch of the collector pods: `collector_namespace` with `collector_selector`. */
  readonly pods: ListWatchSource<Pod>;
  readonly clock: DiscoveryClock;
  readonly logger: Logger;
  /** `collector_not_ready_grace_period` in ms; 0 disables the readiness check. */
  readonly gracePeriodMs: number;
}

/**
 * When a pod stops being allocatable: never (undefined) when it is Running and Ready or the grace
 * period is off; else the end of its grace period, counted from its Ready condition's last
 * transition (or its creation when it has none).
 */
export function allocatableUntil(pod: Pod, gracePeriodMs: number): number | undefined {
  if (gracePeriodMs === 0) return undefined;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (pod.status?.phase === 'Running' && ready?.status === 'True') return undefined;
  const since = Date.parse(ready?.lastTransitionTime ?? pod.metadata?.creationTimestamp ?? '');
  // Without any timestamp there is nothing to count a grace period from: not allocatable.
  return Number.isNaN(since) ? Number.NEGATIVE_INFINITY : since + gracePeriodMs;
}

/**
 * The collector pool on Kubernetes: pods matching the selector, id = pod name, node = the pod's
 * node. Pods not yet scheduled or terminating are skipped; a pod that has been not Running or not Ready for
 * longer than the grace period is dropped until it recovers, re-evaluated by a timer when the
 * earliest grace period ends. Changes are coalesced per microtask and emitted only when the pool
 * differs from the last one.
 */
export class KubernetesCollectorSource implements CollectorSource {
  private readonly informer: Informer<Pod>;
  private sink: ((collectors: readonly Collector[]) => void) | undefined;
  private queued = false;
  private lastSignature: string | undefined;
  private cancelTimer: (() => void) | undefined;
  private timerAt: number | undefined;
  private cancelStart: (() => void) | undefined;

  constructor(private readonly deps: KubernetesCollectorSourceDeps) {
    this.informer = new Informer(deps.pods, { name: 'collector-pods', logger: deps.logger });
    const changed = (): void => this.schedule();
    this.informer.on('add', changed);
    this.informer.on('update', changed);
    this.informer.on('delete', changed);
  }

  /**
   * Resolves once the first list of pods is in and the pool (empty or not) is emitted: before it,
   * the pool would look empty, every collector would be served no targets, and the service would
   * report ready. A stop() ends the wait (an API server that never answers).
   */
  async start(sink: (collectors: readonly Collector[]) => void): Promise<void> {
    this.sink = sink;
    await this.informer.start();
    const stopped = new Promise<void>((resolve) => (this.cancelStart = resolve));
    await Promise.race([this.informer.waitForSync(), stopped]);
    this.cancelStart = undefined;
    this.emit();
  }

  async stop(): Promise<void> {
    this.sink = undefined;
    this.cancelStart?.();
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.informer.stop();
  }

  /** The allocatable collectors now, sorted by id. */
  current(): Collector[] {
    const now = this.deps.clock.now();
    const collectors: Collector[] = [];
    let nextExpiry: number | undefined;
    for (const pod of this.informer.list()) {
      const id = pod.metadata?.name;
      const nodeName = pod.spec?.nodeName;
      if (id === undefined || nodeName === undefined || nodeName === '') continue;
      // A terminating pod got SIGTERM: it scrapes no more and writes no staleness markers, so its
      // targets can move now rather than when the pod object is finally removed.
      if (pod.metadata?.deletionTimestamp !== undefined) continue;
      const until = allocatableUntil(pod, this.deps.gracePeriodMs);
      if (until !== undefined && until <= now) continue;
      if (until !== undefined) nextExpiry = Math.min(nextExpiry ?? until, until);
      const returnsWithSameId =
        pod.metadata?.ownerReferences?.some((owner) => owner.kind === 'StatefulSet') === true;
      collectors.push(returnsWithSameId ? { id, nodeName, returnsWithSameId } : { id, nodeName });
    }
    this.armTimer(nextExpiry, now);
    return collectors.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      this.emit();
    });
  }

  private emit(): void {
    if (this.sink === undefined) return;
    const collectors = this.current();
    const signature = collectors.map((c) => `${c.id}@${c.nodeName ?? ''}`).join('\n');
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    this.deps.logger.info({ collectors: collectors.length }, 'collector pool changed');
    if (collectors.length === 0) {
      // pods: 0 means the selector matches nothing; more means none is scheduled, Running and Ready.
      this.deps.logger.warn(
        { pods: this.informer.list().length, gracePeriodMs: this.deps.gracePeriodMs },
        'no allocatable collector pod: every target stays unassigned; check collector_selector and collector_namespace (pods 0), or why the collector pods are not Running and Ready',
      );
    }
    this.sink(Object.freeze(collectors.map((c) => Object.freeze(c))));
  }

  /** One timer, for the earliest grace period that ends while its pod is still not ready. */
  private armTimer(at: number | undefined, now: number): void {
    if (at === this.timerAt) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAt = at;
    if (at === undefined || this.sink === undefined) return;
    this.cancelTimer = this.deps.clock.setTimeout(
      () => {
        this.timerAt = undefined;
        this.cancelTimer = undefined;
        this.emit();
      },
      Math.max(0, at - now),
    );
  }
}
