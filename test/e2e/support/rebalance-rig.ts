import type { ControlPlane } from '../harness/control-plane.js';
import { startAllocatorWithConfig, type RunningAllocator } from './allocator-process.js';
import { CollectorPods } from './collector-pods.js';
import { CollectorPool } from './collector-pool.js';
import {
  collectorRefreshIntervalMs,
  documentedManifest,
  renderDocumentedCollector,
  unallocatedConfig,
  withLocalAllocator,
  type RewriteMode,
} from './documented-collector.js';
import { waitFor, type ProcessGroup } from './processes.js';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from './remote-write-receiver.js';
import { startScrapeLedger, type ScrapeLedger } from './scrape-ledger.js';

/** `none`: the control, the same collectors with the documentation's static targets and no allocator. */
export type RigMode = RewriteMode | 'none';

export interface RebalanceRigOptions {
  readonly group: ProcessGroup;
  /** The collector binary (otelcolBinary()). */
  readonly otelcol: string;
  readonly mode: RigMode;
  /** Needed unless mode is `none`: the allocator's collector pool is the Pods in this API server. */
  readonly controlPlane?: ControlPlane;
  readonly collectors: number;
  readonly targets: number;
  readonly scrapeIntervalS: number;
  /** Prefix of the collector ids (the pod names, POD_NAME); a StatefulSet's are `<name>-<ordinal>`. */
  readonly idPrefix?: string;
}

interface RigParts {
  readonly ledger: ScrapeLedger;
  readonly receiver: RemoteWriteReceiver;
  readonly pool: CollectorPool;
  readonly allocator: RunningAllocator | undefined;
  readonly pods: CollectorPods | undefined;
  readonly refreshIntervalMs: number | undefined;
}

/** The job of the documentation's manifest; every target is in it. */
export const JOB = 'otel-collector';
const EXTERNAL_LABELS = { cluster: 'e2e', pool: 'collector-with-ta' };

/**
 * One whole system for the rebalancing scenarios: scrape targets that record their scrapers, a real
 * Prometheus receiving remote writes, the real allocator watching collector Pods in a real API
 * server, and real collectors running the config `otel-ta render` produced from the documentation's
 * manifest. A scenario step changes the Pod object and the process at the same moment, as a
 * StatefulSet scale, a pod deletion or a crash would.
 */
export class RebalanceRig {
  private podIps = 0;

  readonly ledger: ScrapeLedger;
  readonly receiver: RemoteWriteReceiver;
  readonly pool: CollectorPool;
  readonly allocator: RunningAllocator | undefined;
  /** How often the collectors poll the allocator (undefined without one). */
  readonly refreshIntervalMs: number | undefined;
  private readonly pods: CollectorPods | undefined;

  private constructor(
    readonly options: RebalanceRigOptions,
    parts: RigParts,
  ) {
    this.ledger = parts.ledger;
    this.receiver = parts.receiver;
    this.pool = parts.pool;
    this.allocator = parts.allocator;
    this.refreshIntervalMs = parts.refreshIntervalMs;
    this.pods = parts.pods;
  }

  get intervalMs(): number {
    return this.options.scrapeIntervalS * 1000;
  }

  static async start(options: RebalanceRigOptions): Promise<RebalanceRig> {
    const { group, mode } = options;
    const name = `${mode.replace('_', '-')}-${Date.now().toString(36)}`;
    const pool = new CollectorPool(group, options.otelcol, name);
    const ledger = await startScrapeLedger(options.targets, (client, server) =>
      pool.identify(client, server),
    );
    try {
      const receiver = await startRemoteWriteReceiver(group, `receiver-${name}`);
      const documented = {
        targets: ledger.addresses,
        scrapeInterval: `${options.scrapeIntervalS}s`,
        writeUrl: receiver.writeUrl,
        externalLabels: EXTERNAL_LABELS,
      };
      let allocator: RunningAllocator | undefined;
      let pods: CollectorPods | undefined;
      let refreshIntervalMs: number | undefined;
      if (mode === 'none') {
        await pool.configure(await unallocatedConfig(documented));
      } else {
        const cp = options.controlPlane;
        if (cp === undefined)
          throw new Error(`mode ${mode} needs a control plane for the collector pods`);
        const rendered = await renderDocumentedCollector(
          await documentedManifest(documented, mode),
          group.logDir,
        );
        // One namespace per rig, so rigs on one API server do not see each other's pods.
        const namespace = `${rendered.namespace}-${name}`;
        pods = new CollectorPods(cp, namespace, rendered.podLabels, rendered.name);
        await pods.prepare();
        allocator = await startAllocatorWithConfig(group, `allocator-${name}`, {
          ...rendered.allocator.document,
          collector_namespace: namespace,
          kube_config_file_path: cp.kubeconfigPath,
        });
        await pool.configure(withLocalAllocator(rendered, allocator.url));
        refreshIntervalMs = collectorRefreshIntervalMs(rendered.config);
      }
      const rig = new RebalanceRig(options, {
        ledger,
        receiver,
        pool,
        allocator,
        pods,
        refreshIntervalMs,
      });
      const prefix = options.idPrefix ?? 'collector-with-ta';
      await Promise.all(
        Array.from({ length: options.collectors }, (_, i) => rig.join(`${prefix}-${i}`)),
      );
      return rig;
    } catch (err) {
      // The processes belong to the group, which the caller stops; the targets are ours.
      await ledger.stop();
      throw err;
    }
  }

  /**
   * Scale-up: the pod appears (the allocator's watch sees it, as in a cluster, before the container
   * runs), its collector starts, and the pod turns Running and Ready.
   */
  async join(id: string): Promise<void> {
    const ip = `10.0.0.${++this.podIps}`;
    await this.pods?.create(id);
    await this.pool.start(id);
    await this.pods?.markReady(id, ip);
  }

  /**
   * Pod deletion (a scale-down, or `kubectl delete pod`): the pod gets its deletionTimestamp and
   * the collector SIGTERM at the same moment; the object goes once the process exited.
   */
  async leave(id: string): Promise<void> {
    await Promise.all([this.pods?.beginDeletion(id), this.pool.stop(id)]);
    await this.pods?.finishDeletion(id);
  }

  /**
   * A StatefulSet pod deleted and recreated under the same name (a rollout, an eviction): `leave`,
   * then after `downMs` the successor's pod and process, as the StatefulSet controller would.
   */
  async recreate(id: string, downMs: number): Promise<void> {
    await this.leave(id);
    await new Promise((r) => setTimeout(r, downMs));
    await this.join(id);
  }

  /** A restart with the same id (an OOM kill or a rollout of one pod): the pool never changes. */
  async restart(id: string, downMs: number): Promise<void> {
    await this.pool.stop(id);
    await new Promise((r) => setTimeout(r, downMs));
    await this.pool.start(id);
  }

  /** SIGKILL, the pod object untouched: a node lost, nothing tells the API server. */
  async kill(id: string): Promise<void> {
    await this.pool.kill(id);
  }

  /** Target address -> the collector the allocator serves it to now (empty without an allocator). */
  async assignment(): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (this.allocator === undefined) return result;
    const res = await fetch(`${this.allocator.url}/jobs/${encodeURIComponent(JOB)}/targets`);
    const body = (await res.json()) as Record<string, { targets: Array<{ targets: string[] }> }>;
    for (const [collector, { targets }] of Object.entries(body)) {
      for (const group of targets)
        for (const address of group.targets) result.set(address, collector);
    }
    return result;
  }

  /**
   * Whether every target is scraped, over the last `quietIntervals` scrape intervals, by exactly
   * one running collector, at least twice, and (with an allocator) by the one it is served to.
   */
  async settled(quietIntervals = 3): Promise<boolean> {
    const since = Date.now() - quietIntervals * this.intervalMs;
    const running = new Set(this.pool.ids());
    const assignment = await this.assignment();
    for (const address of this.ledger.addresses) {
      const recent = this.ledger.scrapes(address).filter((s) => s.at > since);
      const scrapers = new Set(recent.map((s) => s.scraper));
      if (recent.length < 2 || scrapers.size !== 1) return false;
      const [scraper] = scrapers;
      if (!running.has(scraper!)) return false;
      if (this.allocator !== undefined && assignment.get(address) !== scraper) return false;
    }
    return true;
  }

  /** Waits until every target is scraped by one collector (the rig's start, or after a scenario). */
  async waitUntilSettled(timeoutMs: number): Promise<void> {
    await waitFor(
      'every target scraped by exactly one collector',
      async () => ((await this.settled()) ? true : undefined),
      { timeoutMs, intervalMs: 1000 },
    );
  }

  async stop(): Promise<void> {
    await this.pool.stopAll();
    await this.allocator?.process.stop();
    await this.receiver.stop();
    await this.ledger.stop();
  }
}
