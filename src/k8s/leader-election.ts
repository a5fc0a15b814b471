import type { Logger } from 'pino';
import { isConflict, isNotFound } from './api-error.js';
import { realDelay, type Delay } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import { objectPath, collectionPath, ResourceTypes } from './resource-path.js';
import type { KubeApi } from './rest-client.js';
import { BackgroundLoop } from './background-loop.js';

export interface LeaderElectionConfig {
  readonly leaseName: string;
  readonly leaseNamespace: string;
  /** This process's identity in the lease, typically the pod name plus a random suffix. */
  readonly identity: string;
  /** How long a lease is valid without renewal; a candidate waits this long before taking over. */
  readonly leaseDurationMs: number;
  /** A leader that could not renew for this long steps down (must be < leaseDurationMs). */
  readonly renewDeadlineMs: number;
  /** Interval between acquire and renew attempts. */
  readonly retryPeriodMs: number;
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics: expiry is judged
 * by when *this* process last saw the lease record change (its own clock), never by comparing the
 * holder's timestamps with ours, so clock skew between pods cannot cause two leaders. Writes use the
 * lease's resourceVersion, so two candidates cannot both win a round. stop() releases the lease so
 * a successor takes over at its next retry instead of after a full lease duration.
 */
export class LeaderElector {
  private readonly clock: Clock;
  private readonly delay: Delay;
  private readonly loop = new BackgroundLoop((signal) => this.run(signal));
  private leading = false;
  private observed: { record: string; at: number } | undefined;
  private lastRenewal = 0;

  constructor(
    private readonly api: KubeApi,
    private readonly config: LeaderElectionConfig,
    private readonly callbacks: LeaderCallbacks,
    private readonly logger: Logger,
    deps: { clock?: Clock; delay?: Delay } = {},
  ) {
    if (config.renewDeadlineMs >= config.leaseDurationMs) {
      throw new Error(
        'leader election: the renew deadline must be shorter than the lease duration',
      );
    }
    this.clock = deps.clock ?? systemClock;
    this.delay = deps.delay ?? realDelay;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): Promise<void> {
    this.loop.start();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    if (this.leading) {
      await this.release().catch((err: unknown) =>
        this.logger.warn({ err, lease: this.config.leaseName }, 'could not release the lease'),
      );
      this.setLeading(false);
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.tick();
      await this.delay(this.config.retryPeriodMs, signal);
    }
  }

  /** One acquire-or-renew round; exposed to tests through the loop only. */
  private async tick(): Promise<void> {
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (err) {
      this.logger.warn({ err, lease: this.config.leaseName }, 'lease acquire/renew failed');
    }
    const now = this.clock.now();
    if (ok) {
      this.lastRenewal = now;
      this.setLeading(true);
    } else if (this.leading && now - this.lastRenewal >= this.config.renewDeadlineMs) {
      this.logger.warn(
        { lease: this.config.leaseName },
        'lease not renewed in time, stepping down',
      );
      this.setLeading(false);
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const { leaseName: name, leaseNamespace: namespace, identity } = this.config;
    const path = objectPath(ResourceTypes.leases, name, namespace);
    let lease: Lease;
    try {
      lease = await this.api.request<Lease>({ method: 'GET', path });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return this.create(now);
    }
    const spec = lease.spec ?? {};
    const record = JSON.stringify(spec);
    if (this.observed?.record !== record) this.observed = { record, at: now };
    const holder = spec.holderIdentity ?? '';
    const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
    if (holder !== '' && holder !== identity && this.observed.at + durationMs > now) {
      // Someone else holds a live lease: if we thought we led, we no longer do, at once.
      if (this.leading) {
        this.logger.warn({ lease: name, holder }, 'lease taken by another holder, stepping down');
        this.setLeading(false);
      }
      return false;
    }
    const takingOver = holder !== identity;
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(this.config.leaseDurationMs / 1000),
        renewTime: microTime(now),
        acquireTime: takingOver ? microTime(now) : (spec.acquireTime ?? microTime(now)),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver && holder !== '' ? 1 : 0),
      },
    };
    try {
      const written = await this.api.request<Lease>({ method: 'PUT', path, body: next });
      this.observed = { record: JSON.stringify(written.spec ?? {}), at: now };
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  private async create(now: number): Promise<boolean> {
    const { leaseName: name, leaseNamespace: namespace, identity } = this.config;
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(this.config.leaseDurationMs / 1000),
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      },
    };
    try {
      const written = await this.api.request<Lease>({
        method: 'POST',
        path: collectionPath(ResourceTypes.leases, namespace),
        body: lease,
      });
      this.observed = { record: JSON.stringify(written.spec ?? {}), at: now };
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /** Gives the lease up: empty holder and a 1 s duration, so the next candidate takes it at once. */
  private async release(): Promise<void> {
    const { leaseName: name, leaseNamespace: namespace, identity } = this.config;
    const path = objectPath(ResourceTypes.leases, name, namespace);
    const lease = await this.api.request<Lease>({ method: 'GET', path });
    if (lease.spec?.holderIdentity !== identity) return;
    const now = this.clock.now();
    await this.api.request<Lease>({
      method: 'PUT',
      path,
      body: {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: microTime(now),
        },
      },
    });
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.logger.info(
      { lease: this.config.leaseName, identity: this.config.identity, leading },
      'leadership changed',
    );
    try {
      if (leading) this.callbacks.onStartedLeading();
      else this.callbacks.onStoppedLeading();
    } catch (err) {
      this.logger.error({ err }, 'leadership callback threw');
    }
  }
}

/** The API's MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
