import type { Logger } from 'pino';
import type { Informer } from '../k8s/informer.js';
import { objectKey, type KubeObject } from '../k8s/object.js';
import type { CollectorReconciler } from './collector-reconciler.js';
import type { Scheduler } from './work-queue.js';
import { timerScheduler, WorkQueue } from './work-queue.js';
import type { BackoffOptions } from '../k8s/backoff.js';
import type { ControllerMetrics } from './controller-metrics.js';
import { COLLECTOR_ANNOTATION } from './labels.js';

export interface CollectorControllerOptions {
  /**
   * Caches of the objects the controller creates (selected by our managed-by label): a change or
   * deletion of one queues its collector at once instead of waiting for the next resync.
   */
  readonly owned?: readonly Informer<KubeObject>[];
  /** The collectors' namespace when the controller watches only one (undefined: all). */
  readonly namespace?: string | undefined;
  /** Every collector is reconciled again this often, repairing drift no event reported. */
  readonly resyncMs: number;
  readonly metrics?: ControllerMetrics;
  readonly workers: number;
  readonly retry?: BackoffOptions;
  readonly scheduler?: Scheduler;
}

/**
 * Wires the collector informer to the work queue and the reconciler: every add/update/delete
 * queues the collector's key, workers reconcile keys one at a time per key, failures are retried
 * with backoff, and a periodic resync queues everything.
 */
export class CollectorController {
  private queue: WorkQueue | undefined;
  private workers: Promise<void>[] = [];
  private unsubscribe: (() => void)[] = [];
  private cancelResync: (() => void) | undefined;
  private readonly scheduler: Scheduler;

  constructor(
    private readonly informer: Informer<KubeObject>,
    private readonly reconciler: CollectorReconciler,
    private readonly options: CollectorControllerOptions,
    private readonly logger: Logger,
  ) {
    this.scheduler = options.scheduler ?? timerScheduler;
  }

  async start(): Promise<void> {
    if (this.queue !== undefined) return;
    const queue = new WorkQueue({
      scheduler: this.scheduler,
      ...(this.options.retry ? { retry: this.options.retry } : {}),
    });
    this.queue = queue;
    const enqueue = (obj: KubeObject): void => queue.add(objectKey(obj));
    const enqueueOwner = (obj: KubeObject): void => {
      // Before the collectors are loaded a key would look deleted and be pruned; their first
      // list queues every collector anyway, and sweepOrphans the owners that are gone.
      if (!this.informer.hasSynced) return;
      const key = this.ownerInScope(obj);
      if (key !== undefined) queue.add(key);
    };
    this.unsubscribe = [
      this.informer.on('add', enqueue),
      this.informer.on('update', enqueue),
      this.informer.on('delete', enqueue),
    ];
    for (const owned of this.options.owned ?? []) {
      // Adds are our own writes: only changes by others and deletions need a reconcile.
      this.unsubscribe.push(
        owned.on('update', (obj, old) => {
          if (!statusOnly(obj, old)) enqueueOwner(obj);
        }),
        owned.on('delete', enqueueOwner),
      );
      await owned.start();
    }
    // Collectors already cached (a new leader takes over a warm informer) are queued too.
    for (const obj of this.informer.list()) enqueue(obj);
    await this.informer.start();
    void this.sweepOrphans(queue);
    this.workers = Array.from({ length: Math.max(1, this.options.workers) }, () =>
      this.work(queue),
    );
    this.scheduleResync(queue);
  }

  /** True once the collector cache is loaded (a stopped controller is not synced). */
  get synced(): boolean {
    return this.queue !== undefined && this.informer.hasSynced;
  }

  async stop(): Promise<void> {
    const queue = this.queue;
    if (queue === undefined) return;
    this.queue = undefined;
    this.cancelResync?.();
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
    await this.informer.stop();
    for (const owned of this.options.owned ?? []) await owned.stop();
  }

  /**
   * Once every cache is loaded, queues the collectors that own objects but no longer exist: a
   * collector deleted while no controller ran (an upgrade, a crash loop) left objects behind,
   * and its cluster-scoped ones (the allocator's ClusterRole and binding) have no owner
   * reference for Kubernetes' garbage collector to follow. Their reconcile prunes them.
   */
  private async sweepOrphans(queue: WorkQueue): Promise<void> {
    const owned = this.options.owned ?? [];
    await Promise.all([this.informer.waitForSync(), ...owned.map((o) => o.waitForSync())]);
    if (this.queue !== queue) return;
    for (const informer of owned) {
      for (const obj of informer.list()) {
        const key = this.ownerInScope(obj);
        if (key !== undefined && this.informer.get(key) === undefined) queue.add(key);
      }
    }
  }

  /** The owner's key, unless it lives in a namespace this controller does not watch. */
  private ownerInScope(obj: KubeObject): string | undefined {
    const key = ownerKey(obj);
    const namespace = this.options.namespace;
    if (key === undefined || (namespace !== undefined && !key.startsWith(`${namespace}/`))) {
      return undefined;
    }
    return key;
  }

  private scheduleResync(queue: WorkQueue): void {
    this.cancelResync = this.scheduler(() => {
      if (this.queue !== queue) return;
      for (const obj of this.informer.list()) queue.add(objectKey(obj));
      this.scheduleResync(queue);
    }, this.options.resyncMs);
  }

  private async work(queue: WorkQueue): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = Date.now();
      const metrics = this.options.metrics;
      metrics?.queueDepth.set(queue.length);
      try {
        await this.reconciler.reconcile(key);
        queue.forget(key);
        metrics?.reconciles.inc({ result: 'success' });
        this.logger.debug({ collector: key, ms: Date.now() - started }, 'reconciled');
      } catch (err) {
        metrics?.reconciles.inc({ result: 'error' });
        this.logger.warn(
          { err, collector: key, retries: queue.retries(key) },
          'reconcile failed, retrying after backoff',
        );
        queue.addRateLimited(key);
      } finally {
        metrics?.reconcileDuration.observe((Date.now() - started) / 1000);
        queue.done(key);
      }
    }
  }
}

/**
 * The collector key of an object we created: its collector annotation where the instance label
 * was shortened, else the `app.kubernetes.io/instance` label (`<namespace>.<name>`; a namespace
 * is a DNS label, so the first dot splits them).
 */
export function ownerKey(obj: KubeObject): string | undefined {
  const annotated = obj.metadata?.annotations?.[COLLECTOR_ANNOTATION];
  if (annotated !== undefined && annotated.indexOf('/') > 0) return annotated;
  const instance = obj.metadata?.labels?.['app.kubernetes.io/instance'];
  const dot = instance?.indexOf('.') ?? -1;
  if (instance === undefined || dot <= 0) return undefined;
  return `${instance.slice(0, dot)}/${instance.slice(dot + 1)}`;
}

/** A Deployment's status moves with every pod change; only spec/metadata edits need a reconcile. */
function statusOnly(obj: KubeObject, old: KubeObject): boolean {
  const generation = obj.metadata?.generation;
  return (
    generation !== undefined &&
    generation === old.metadata?.generation &&
    JSON.stringify(obj.metadata?.labels) === JSON.stringify(old.metadata?.labels) &&
    JSON.stringify(obj.metadata?.annotations) === JSON.stringify(old.metadata?.annotations)
  );
}
