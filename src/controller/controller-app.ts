import type { Logger } from 'pino';
import type { ControllerConfig } from '../config/controller-config.js';
import type { Clock } from '../k8s/clock.js';
import { Informer } from '../k8s/informer.js';
import { LeaderElector } from '../k8s/leader-election.js';
import { restListWatch } from '../k8s/list-watch.js';
import type { KubeObject } from '../k8s/object.js';
import { ResourceTypes, type ResourceType } from '../k8s/resource-path.js';
import { MANAGED_BY } from './labels.js';
import type { KubeApi } from '../k8s/rest-client.js';
import type { Delay } from '../k8s/backoff.js';
import { CertificateManager } from './certificate-manager.js';
import { CollectorController } from './collector-controller.js';
import { CollectorReconciler } from './collector-reconciler.js';
import { EventRecorder } from './event-recorder.js';
import { ObjectStore } from './object-store.js';
import type { Scheduler } from './work-queue.js';
import type { ControllerMetrics } from './controller-metrics.js';

/**
 * Owned kinds whose changes by others are repaired at once (the rest wait for the resync). The
 * cluster-scoped ones are also how a new controller finds the leftovers of collectors deleted
 * while none ran: nothing else would ever delete them (see CollectorController.sweepOrphans).
 */
const OWNED_TYPES: readonly ResourceType[] = [
  ResourceTypes.deployments,
  ResourceTypes.configMaps,
  ResourceTypes.services,
  ResourceTypes.clusterRoles,
  ResourceTypes.clusterRoleBindings,
];

export interface ControllerDependencies {
  readonly api: KubeApi;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly delay?: Delay;
  readonly scheduler?: Scheduler;
  readonly metrics?: ControllerMetrics;
}

/**
 * The controller process: the collector controller and the certificate manager, run only while
 * this replica leads (or always, without leader election). Built without I/O; start() begins.
 */
export class ControllerApp {
  private readonly controller: CollectorController;
  private readonly certificates: CertificateManager | undefined;
  private readonly elector: LeaderElector | undefined;
  private running: Promise<void> = Promise.resolve();
  private active = false;
  private readonly metrics: ControllerMetrics | undefined;

  constructor(config: ControllerConfig, deps: ControllerDependencies) {
    const { api, clock, logger } = deps;
    this.metrics = deps.metrics;
    const informer = new Informer<KubeObject>(
      restListWatch(api, ResourceTypes.openTelemetryCollectors, { namespace: config.namespace }),
      {
        name: 'opentelemetrycollectors',
        logger,
        ...(deps.delay ? { delay: deps.delay } : {}),
      },
    );
    const reconciler = new CollectorReconciler(
      new ObjectStore(api),
      (key) => informer.get(key),
      new EventRecorder(api, clock, logger),
      {
        standalone: config.standalone,
        allocatorImage: config.allocatorImage,
        collectorImage: config.collectorImage,
      },
      logger.child({ component: 'reconciler' }),
    );
    const ownedInformer = (type: ResourceType): Informer<KubeObject> =>
      new Informer<KubeObject>(
        restListWatch(api, type, {
          namespace: config.namespace,
          labelSelector: `app.kubernetes.io/managed-by=${MANAGED_BY}`,
        }),
        { name: type.resource, logger, ...(deps.delay ? { delay: deps.delay } : {}) },
      );
    this.controller = new CollectorController(
      informer,
      reconciler,
      {
        owned: OWNED_TYPES.map(ownedInformer),
        namespace: config.namespace,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
        resyncMs: config.resyncMs,
        workers: config.workers,
        ...(deps.scheduler ? { scheduler: deps.scheduler } : {}),
      },
      logger,
    );
    this.certificates =
      config.certificates === undefined
        ? undefined
        : new CertificateManager(
            api,
            config.certificates,
            clock,
            logger.child({ component: 'certificates' }),
            deps.delay ? { delay: deps.delay } : {},
          );
    this.elector =
      config.leaderElection === undefined
        ? undefined
        : new LeaderElector(
            api,
            config.leaderElection,
            {
              onStartedLeading: () => this.setActive(true),
              onStoppedLeading: () => this.setActive(false),
            },
            logger.child({ component: 'leader-election' }),
            { clock, ...(deps.delay ? { delay: deps.delay } : {}) },
          );
  }

  get isLeader(): boolean {
    return this.elector?.isLeader ?? true;
  }

  /** For /readyz: a follower is ready to take over; a leader once its collector cache is loaded. */
  ready(): boolean {
    return !this.active || this.controller.synced;
  }

  async start(): Promise<void> {
    if (this.elector === undefined) this.setActive(true);
    else await this.elector.start();
    await this.running;
  }

  /** Stops reconciling first, then gives up the lease so a successor starts at once. */
  async stop(): Promise<void> {
    this.setActive(false);
    await this.running;
    await this.elector?.stop();
    await this.running;
  }

  /** Leadership changes are serialised: a stop always completes before the next start. */
  private setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    this.metrics?.leader.set(active ? 1 : 0);
    this.running = this.running.then(async () => {
      if (active) {
        await this.controller.start();
        await this.certificates?.start();
      } else {
        await this.controller.stop();
        await this.certificates?.stop();
      }
    });
  }
}
