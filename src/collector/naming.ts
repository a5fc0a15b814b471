import { queryEscape } from './query-escape.js';

const DNS_LABEL_MAX = 63;
const SUFFIX = '-targetallocator';
/** The Service port the allocator listens on (`targetallocation` 80 -> container `http` 8080). */
export const ALLOCATOR_SERVICE_PORT = 80;
/** How a collector pod names itself to the allocator; the POD_NAME env var is a mutation default. */
export const COLLECTOR_ID_REFERENCE = '${env:POD_NAME}';

/**
 * The name of a collector's allocator Deployment, Service, ConfigMap and ServiceAccount:
 * `<name>-targetallocator`, shortened like upstream's (the collector name is cut, never the suffix)
 * to fit a 63-character DNS label, then reduced to DNS-label characters.
 */
export function allocatorName(collectorName: string): string {
  const budget = DNS_LABEL_MAX - SUFFIX.length;
  return dnsLabel(`${collectorName.slice(0, budget)}${SUFFIX}`);
}

/** `<allocator>.<ns>.svc`: resolvable from any collector pod of the cluster. */
export function allocatorServiceHost(collectorName: string, namespace: string): string {
  return `${allocatorName(collectorName)}.${namespace}.svc`;
}

/** Base URL of the allocator's HTTP API, as the `target_allocator.endpoint` of the receiver. */
export function allocatorServiceUrl(collectorName: string, namespace: string): string {
  return `http://${allocatorServiceHost(collectorName, namespace)}:${ALLOCATOR_SERVICE_PORT}`;
}

/** The http_sd URL one collector polls for its share of `job`'s targets. */
export function jobTargetsUrl(allocatorUrl: string, job: string): string {
  return `${allocatorUrl}/jobs/${queryEscape(job)}/targets?collector_id=${COLLECTOR_ID_REFERENCE}`;
}

function dnsLabel(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/[^a-z0-9]+$/, '');
}
