/**
 * What the webhook process itself went through during one load run: CPU time, event-loop delay
 * and garbage-collection pauses. These tell a server-side tail (a blocked loop, a long GC) apart
 * from one made by the load generator or by other processes on the same cores.
 */
import {
  PerformanceObserver,
  monitorEventLoopDelay,
  type IntervalHistogram,
} from 'node:perf_hooks';

export interface ServerRunStats {
  /** CPU time (user + system) of the webhook process per request. */
  readonly serverCpuMsPerRequest: number;
  /**
   * How late the loop's 2 ms sampling timer fired (its interval taken off), i.e. how long a
   * request arriving at a random moment waited for the loop: p99 and worst case.
   */
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  /** Every GC pause of the run (scavenges and mark-compacts), their sum and the longest. */
  readonly gcPauses: number;
  readonly gcTotalMs: number;
  readonly gcMaxMs: number;
  /**
   * Times the kernel took a core from the webhook while it could run (other processes wanted
   * it): a loop delay with these and without a long GC was the machine, not the webhook.
   */
  readonly involuntaryContextSwitches: number;
}

const RESOLUTION_MS = 2;
const round = (value: number): number => Math.round(value * 1000) / 1000;

/** One run at a time: begin() before the load starts, end() once the last answer is in. */
export class ServerStats {
  private histogram: IntervalHistogram | undefined;
  private observer: PerformanceObserver | undefined;
  private pauses: number[] = [];
  private cpuAtBegin: NodeJS.CpuUsage = { user: 0, system: 0 };
  private switchesAtBegin = 0;

  begin(): void {
    this.pauses = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.pauses.push(entry.duration);
    });
    observer.observe({ entryTypes: ['gc'] });
    this.observer = observer;
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    this.histogram = histogram;
    this.cpuAtBegin = process.cpuUsage();
    this.switchesAtBegin = process.resourceUsage().involuntaryContextSwitches;
  }

  end(requests: number): ServerRunStats {
    const cpu = process.cpuUsage(this.cpuAtBegin);
    const switches = process.resourceUsage().involuntaryContextSwitches - this.switchesAtBegin;
    const histogram = this.histogram;
    histogram?.disable();
    // Entries not yet delivered to the callback are taken here, so the run's last pauses count.
    for (const entry of this.observer?.takeRecords() ?? []) this.pauses.push(entry.duration);
    this.observer?.disconnect();
    // The histogram holds whole intervals (nanoseconds); what matters is the part beyond the timer's.
    const late = (ns: number): number => round(Math.max(0, ns / 1e6 - RESOLUTION_MS));
    const pauses = this.pauses;
    return {
      serverCpuMsPerRequest: round((cpu.user + cpu.system) / 1000 / Math.max(1, requests)),
      eventLoopDelayP99Ms: histogram === undefined ? 0 : late(histogram.percentile(99)),
      eventLoopDelayMaxMs: histogram === undefined ? 0 : late(histogram.max),
      gcPauses: pauses.length,
      gcTotalMs: round(pauses.reduce((sum, pause) => sum + pause, 0)),
      gcMaxMs: round(pauses.reduce((max, pause) => Math.max(max, pause), 0)),
      involuntaryContextSwitches: switches,
    };
  }
}
