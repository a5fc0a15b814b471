import { OtelTaError } from '../../errors.js';

export const INVALID_MONITOR = 'INVALID_MONITOR';

/**
 * A ServiceMonitor or PodMonitor that cannot be turned into scrape configs. The watcher skips the
 * monitor (logged and counted) and keeps serving everything else; the message names the field.
 */
export class MonitorError extends OtelTaError {
  constructor(message: string) {
    super(INVALID_MONITOR, message);
    this.name = 'MonitorError';
  }
}
