/**
 * bench:rebalance: what happens to scraping while the collector pool changes, measured with real
 * OpenTelemetry Collectors, the real allocator watching collector Pods in a real API server, and a
 * real Prometheus receiving their remote writes (the e2e test's rig, test/e2e/support/rebalance-rig.ts).
 * Per scenario: moved targets, max and p50 gap, overlap, double-scraped intervals, rejections. A
 * benchmark prints figures; it decides nothing (the e2e test asserts the goals).
 *
 *   npm run bench:rebalance -- [--json] [--mode http_sd|target_allocator|both] [--targets 25]
 *                              [--interval 5] [--no-control] [--kill-wait 150]
 *
 * Needs the collector (scripts/build-otelcol.sh, or OTEL_TA_OTELCOL_BIN), the control plane
 * (scripts/build-control-plane.sh) and Prometheus; runs several minutes per mode.
 */
import { startControlPlane } from '../test/e2e/harness/control-plane.js';
import { otelcolBinary } from '../test/e2e/support/otelcol-binary.js';
import { ProcessGroup, waitFor } from '../test/e2e/support/processes.js';
import { RebalanceRig, type RigMode } from '../test/e2e/support/rebalance-rig.js';
import {
  observeSteady,
  rebalanceScenarios,
  runScenario,
  seconds,
  type ScenarioOutcome,
  type SteadyOutcome,
} from '../test/e2e/support/rebalance-scenarios.js';
import { benchArgs, environment, printReport, type Figure } from './report.js';

type Series = Record<string, Figure>;

const values = benchArgs({
  mode: { type: 'string', default: 'http_sd' },
  targets: { type: 'string', default: '25' },
  interval: { type: 'string', default: '5' },
  'kill-wait': { type: 'string', default: '150' },
  'no-control': { type: 'boolean', default: false },
});
const MODES = ['http_sd', 'target_allocator'] as const;
const modes = values.mode === 'both' ? [...MODES] : [values.mode];
for (const mode of modes) {
  if (!(MODES as readonly string[]).includes(mode)) {
    process.stderr.write(`--mode must be http_sd, target_allocator or both, got "${mode}"\n`);
    process.exit(2);
  }
}
const targets = positive('targets');
const intervalS = positive('interval');
const killWaitS = positive('kill-wait');
const PREFIX = 'collector-with-ta';

function positive(flag: 'targets' | 'interval' | 'kill-wait'): number {
  const n = Number(values[flag]);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`--${flag} must be a positive integer, got "${values[flag]}"\n`);
    process.exit(2);
  }
  return n;
}

function steadyFigures(outcome: SteadyOutcome): Series {
  const { summary, rejections } = outcome;
  return {
    targets: summary.targets,
    scraped_by_more_than_one: summary.scrapedByMoreThanOne,
    double_scraped_intervals: summary.doubleScrapedIntervals,
    out_of_order_samples: rejections.outOfOrderSamples,
    rejected_writes: rejections.rejectedWrites,
    dropped_batches: outcome.droppedBatches,
    unattributed_scrapes: summary.unattributedScrapes,
    observed_s: seconds(outcome.observedS * 1000),
  };
}

function scenarioFigures(outcome: ScenarioOutcome): Series {
  const { summary, rejections } = outcome;
  return {
    moved_targets: summary.moved,
    max_gap_s: seconds(summary.maxGapMs),
    p50_gap_s: seconds(summary.p50GapMs),
    max_gap_any_target_s: seconds(summary.maxGapAnyTargetMs),
    overlap_s: seconds(summary.overlapMs),
    double_scraped_intervals: summary.doubleScrapedIntervals,
    out_of_order_samples: rejections.outOfOrderSamples,
    rejected_writes: rejections.rejectedWrites,
    dropped_batches: outcome.droppedBatches,
    unscraped_at_end: summary.unscrapedAtEnd,
    unattributed_scrapes: summary.unattributedScrapes,
    settled_after_s:
      outcome.settledAfterS === undefined ? null : seconds(outcome.settledAfterS * 1000),
    observed_s: seconds(outcome.observedS * 1000),
  };
}

const startedAt = new Date();
const figures: Record<string, Series> = {};
const refreshIntervals: Record<string, number | null> = {};
const otelcol = await otelcolBinary();
const group = await ProcessGroup.create('otel-ta-bench-rebalance');
const cp = await startControlPlane();
const rigOptions = (mode: RigMode, idPrefix = PREFIX) => ({
  group,
  otelcol,
  mode,
  controlPlane: cp,
  collectors: 3,
  targets,
  scrapeIntervalS: intervalS,
  idPrefix,
});
const log = (line: string): boolean => process.stderr.write(`bench:rebalance: ${line}\n`);
try {
  if (!values['no-control']) {
    log('control: 3 collectors, no allocator');
    const rig = await RebalanceRig.start(rigOptions('none', 'control'));
    try {
      await waitFor(
        'every target scraped',
        () =>
          Promise.resolve(
            rig.ledger.addresses.every((a) => rig.ledger.scrapes(a).length > 0) || undefined,
          ),
        { timeoutMs: 60_000 },
      );
      figures['control/steady'] = steadyFigures(await observeSteady(rig, 30_000));
    } finally {
      await rig.stop();
    }
  }
  for (const mode of modes) {
    log(`${mode}: 3 collectors behind the allocator`);
    const rig = await RebalanceRig.start(rigOptions(mode as RigMode));
    try {
      refreshIntervals[mode] =
        rig.refreshIntervalMs === undefined ? null : rig.refreshIntervalMs / 1000;
      await rig.waitUntilSettled(180_000);
      figures[`${mode}/steady`] = steadyFigures(await observeSteady(rig, 20_000));
      for (const scenario of rebalanceScenarios(PREFIX, { killWaitMs: killWaitS * 1000 })) {
        log(`${mode}: ${scenario.description}`);
        figures[`${mode}/${scenario.name}`] = scenarioFigures(await runScenario(rig, scenario));
        // The next scenario starts from a settled pool; after the kill, none follows.
        if (scenario.name !== 'killed-in-pool') await rig.waitUntilSettled(180_000);
      }
    } finally {
      await rig.stop();
    }
  }
} finally {
  await group.stopAll();
  await cp.stop();
}

printReport(
  {
    benchmark: 'rebalance',
    subject:
      'scraping while the collector pool changes: real collectors (prometheus receiver -> remote write) behind the allocator, pool = collector Pods in a real API server',
    parameters: {
      modes: modes.join(','),
      collectors_at_start: 3,
      targets,
      scrape_interval_s: intervalS,
      kill_wait_s: killWaitS,
      control: !values['no-control'],
      ...Object.fromEntries(
        Object.entries(refreshIntervals).map(([mode, s]) => [`${mode}_refresh_interval_s`, s]),
      ),
    },
    figures,
    environment: environment(startedAt),
  },
  values.json,
);
