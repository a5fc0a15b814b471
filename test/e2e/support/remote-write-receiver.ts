import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessGroup } from './processes.js';
import { startPrometheus, type PrometheusInstance } from './prometheus.js';

/** What the receiver refused so far; every figure only grows. */
export interface ReceiverRejections {
  /** `prometheus_tsdb_out_of_order_samples_total`. */
  readonly outOfOrderSamples: number;
  /** Remote-write requests answered 4xx (a sender drops such a batch: no retry). */
  readonly rejectedWrites: number;
  /** "Out of order sample" lines in the receiver's log. */
  readonly outOfOrderLogLines: number;
}

export interface RemoteWriteReceiver {
  readonly prometheus: PrometheusInstance;
  /** The remote-write endpoint, for the senders' config. */
  readonly writeUrl: string;
  rejections(): Promise<ReceiverRejections>;
  stop(): Promise<void>;
}

/** A real Prometheus (2.42) started with `--web.enable-remote-write-receiver`, scraping nothing. */
export async function startRemoteWriteReceiver(
  group: ProcessGroup,
  name: string,
): Promise<RemoteWriteReceiver> {
  const prometheus = await startPrometheus(group, {
    name,
    config: { global: { scrape_interval: '1m' }, scrape_configs: [] },
    remoteWriteReceiver: true,
  });
  // ProcessGroup names each process's log after it.
  const logFile = join(group.logDir, `${name}.log`);
  return {
    prometheus,
    writeUrl: `${prometheus.url}/api/v1/write`,
    rejections: async () => {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      return {
        outOfOrderSamples: await prometheus.selfMetric(
          'prometheus_tsdb_out_of_order_samples_total',
        ),
        rejectedWrites: await prometheus.selfMetric('prometheus_http_requests_total', [
          'handler="/api/v1/write"',
          'code="4',
        ]),
        outOfOrderLogLines: log.split('Out of order sample').length - 1,
      };
    },
    stop: () => prometheus.stop(),
  };
}

export function rejectionsBetween(
  before: ReceiverRejections,
  after: ReceiverRejections,
): ReceiverRejections {
  return {
    outOfOrderSamples: after.outOfOrderSamples - before.outOfOrderSamples,
    rejectedWrites: after.rejectedWrites - before.rejectedWrites,
    outOfOrderLogLines: after.outOfOrderLogLines - before.outOfOrderLogLines,
  };
}
