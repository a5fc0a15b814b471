import type { AllocatorMetrics } from '../metrics.js';
import type { HandoffStatus } from './handoff-coordinator.js';

/**
 * Puts the handoff's status into its metrics when /metrics is read: the gauges as they are now,
 * and the counter moved on by what was handed over since the last read (`counted` remembers it).
 */
export function publishHandoffMetrics(
  metrics: AllocatorMetrics,
  status: HandoffStatus,
  counted: Map<string, number>,
): void {
  metrics.targetsHeld.reset();
  for (const [job, n] of status.heldByJob) metrics.targetsHeld.set({ job_name: job }, n);
  metrics.handoffOldestHoldSeconds.set(status.oldestHoldAgeMs / 1000);
  metrics.collectorsSilent.set(status.silentCollectors.length);
  for (const [reason, n] of status.completed) {
    // inc(0) too, so every reason is listed from the start.
    metrics.handoffs.inc({ reason }, Math.max(0, n - (counted.get(reason) ?? 0)));
    counted.set(reason, n);
  }
}
