import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../k8s/clock.js';
import { collectionPath, ResourceTypes } from '../k8s/resource-path.js';
import type { KubeApi } from '../k8s/rest-client.js';
import type { CollectorResource } from './collector-resource.js';

export type EventType = 'Normal' | 'Warning';

const COMPONENT = 'otel-ta-controller';

/**
 * Core v1 Events on the collector, so `kubectl describe` shows what the controller did or why it
 * failed. A repeat of the last event of an object (same type, reason and message) is not written
 * again: a reconcile loop that keeps failing the same way does not flood the namespace.
 */
export class EventRecorder {
  private readonly last = new Map<string, string>();

  constructor(
    private readonly api: KubeApi,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async record(
    collector: CollectorResource,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const objectKey = `${collector.namespace}/${collector.name}/${collector.uid}`;
    const fingerprint = `${type}|${reason}|${message}`;
    if (this.last.get(objectKey) === fingerprint) return;
    this.last.set(objectKey, fingerprint);
    const now = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      await this.api.request({
        method: 'POST',
        path: collectionPath(ResourceTypes.events, collector.namespace),
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: {
            name: `${collector.name}.${randomBytes(8).toString('hex')}`,
            namespace: collector.namespace,
          },
          involvedObject: {
            apiVersion: collector.apiVersion,
            kind: 'OpenTelemetryCollector',
            name: collector.name,
            namespace: collector.namespace,
            uid: collector.uid,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: COMPONENT },
          reportingComponent: COMPONENT,
          reportingInstance: COMPONENT,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err) {
      // An event is a courtesy; failing to write one must not fail the reconcile.
      this.last.delete(objectKey);
      this.logger.warn({ err, collector: objectKey, reason }, 'could not record event');
    }
  }

  /** Drops the memory of a deleted collector (of every uid it had), so it does not grow forever. */
  forget(namespace: string, name: string): void {
    const prefix = `${namespace}/${name}/`;
    for (const key of this.last.keys()) if (key.startsWith(prefix)) this.last.delete(key);
  }
}
