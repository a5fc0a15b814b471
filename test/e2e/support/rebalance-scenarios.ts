import type { RebalanceRig } from './rebalance-rig.js';
import { rejectionsBetween, type ReceiverRejections } from './remote-write-receiver.js';
import {
  analyseTarget,
  summarise,
  type ScrapeSummary,
  type TargetScrapeStats,
} from './scrape-analysis.js';

export interface Scenario {
  readonly name: string;
  /** What Kubernetes does, in a user's words. */
  readonly description: string;
  /** How long to wait at most for every target to be scraped once again. */
  readonly maxWaitMs: number;
  act(rig: RebalanceRig): Promise<void>;
}

export interface ScenarioOutcome {
  readonly scenario: string;
  readonly description: string;
  /** From the change to the window's end. */
  readonly observedS: number;
  /** When every target was scraped by one collector again (undefined: not within maxWaitMs). */
  readonly settledAfterS: number | undefined;
  readonly summary: ScrapeSummary;
  readonly targets: readonly TargetScrapeStats[];
  readonly rejections: ReceiverRejections;
  /** Batches the collectors' exporters dropped ("Exporting failed"). */
  readonly droppedBatches: number;
}

/**
 * The scenarios of issue 14 (a-d) plus a StatefulSet rollout of one pod, in the order one rig runs
 * them, from 3 collectors.
 */
export function rebalanceScenarios(prefix: string, options: { killWaitMs: number }): Scenario[] {
  return [
    {
      name: 'scale-up',
      description: `scale-up 3 -> 4: ${prefix}-3 starts and joins the pool at the same moment`,
      maxWaitMs: 120_000,
      act: (rig) => rig.join(`${prefix}-3`),
    },
    {
      name: 'pod-deletion',
      description: `pod deletion: ${prefix}-1 leaves the pool and gets SIGTERM at the same moment`,
      maxWaitMs: 120_000,
      act: (rig) => rig.leave(`${prefix}-1`),
    },
    {
      name: 'restart-same-id',
      description: `restart with the same id: ${prefix}-0 stops (SIGTERM) and starts again 3 s later; pool unchanged`,
      maxWaitMs: 60_000,
      act: (rig) => rig.restart(`${prefix}-0`, 3000),
    },
    {
      name: 'pod-recreated-same-id',
      description: `rollout of one pod: ${prefix}-0 is deleted (SIGTERM) and its successor of the same name is Running and Ready 3 s later`,
      maxWaitMs: 60_000,
      act: (rig) => rig.recreate(`${prefix}-0`, 3000),
    },
    {
      name: 'killed-in-pool',
      description: `${prefix}-2 is killed (SIGKILL) and its pod stays in the pool, Running and Ready`,
      maxWaitMs: options.killWaitMs,
      act: (rig) => rig.kill(`${prefix}-2`),
    },
  ];
}

/**
 * Runs one scenario on a settled rig and judges the window from three scrape intervals before the
 * change until every target is scraped by one collector again (or maxWaitMs), plus one interval
 * and 2 s for the writes in flight: late staleness markers and their rejections included.
 */
export async function runScenario(rig: RebalanceRig, scenario: Scenario): Promise<ScenarioOutcome> {
  const interval = rig.intervalMs;
  const rejectedBefore = await rig.receiver.rejections();
  const droppedBefore = await rig.pool.exportFailures();
  const change = Date.now();
  await scenario.act(rig);
  let settledAt: number | undefined;
  while (Date.now() - change < scenario.maxWaitMs) {
    await sleep(1000);
    if (Date.now() - change >= 2 * interval && (await rig.settled())) {
      settledAt = Date.now();
      break;
    }
  }
  await sleep(interval + 2000);
  const end = Date.now();
  const window = { start: change - 3 * interval, change, end };
  const targets = rig.ledger.addresses.map((address) =>
    analyseTarget(address, rig.ledger.scrapes(address), interval, window),
  );
  const unattributed = unattributedSince(rig, window.start);
  return {
    scenario: scenario.name,
    description: scenario.description,
    observedS: (end - change) / 1000,
    settledAfterS: settledAt === undefined ? undefined : (settledAt - change) / 1000,
    summary: summarise(targets, unattributed),
    targets,
    rejections: rejectionsBetween(rejectedBefore, await rig.receiver.rejections()),
    droppedBatches: (await rig.pool.exportFailures()) - droppedBefore,
  };
}

export interface SteadyOutcome {
  readonly observedS: number;
  readonly summary: ScrapeSummary;
  readonly rejections: ReceiverRejections;
  readonly droppedBatches: number;
}

/** Judges `durationMs` of the rig as it runs, nothing changed. */
export async function observeSteady(rig: RebalanceRig, durationMs: number): Promise<SteadyOutcome> {
  const rejectedBefore = await rig.receiver.rejections();
  const droppedBefore = await rig.pool.exportFailures();
  const start = Date.now();
  await sleep(durationMs);
  const end = Date.now();
  const window = { start, change: end, end };
  const targets = rig.ledger.addresses.map((address) =>
    analyseTarget(address, rig.ledger.scrapes(address), rig.intervalMs, window),
  );
  const unattributed = unattributedSince(rig, start);
  return {
    observedS: (end - start) / 1000,
    summary: summarise(targets, unattributed),
    rejections: rejectionsBetween(rejectedBefore, await rig.receiver.rejections()),
    droppedBatches: (await rig.pool.exportFailures()) - droppedBefore,
  };
}

/** Scrapes since `since` whose connection was not traced to a collector process. */
function unattributedSince(rig: RebalanceRig, since: number): number {
  return rig.ledger.addresses
    .flatMap((a) => rig.ledger.scrapes(a))
    .filter(
      (s) => s.at >= since && (s.scraper.startsWith('unknown:') || s.scraper.startsWith('pid:')),
    ).length;
}

/** Seconds with one decimal, for reports. */
export function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
