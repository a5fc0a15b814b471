import { describe, expect, it } from 'vitest';
import { storedCollector } from '../../test/e2e/controller-fixtures.js';
import type { KubeObject } from '../k8s/object.js';
import { renderAllocatorConfig } from './allocator-config.js';
import { buildAllocatorManifests } from './allocator-manifests.js';
import { allocatorPermissions } from './allocator-rbac.js';
import { buildCollectorManifests } from './collector-manifests.js';
import { ownerKey } from './collector-controller.js';
import { toCollectorResource } from './collector-resource.js';
import { instanceLabel } from './labels.js';

// A label value is at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric.
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

function labelValues(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) labelValues(v, found);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if ((k === 'labels' || k === 'matchLabels') && v !== null && typeof v === 'object') {
        found.push(...Object.values(v as Record<string, string>));
      } else labelValues(v, found);
    }
  }
  return found;
}

function renderAll(namespace: string, name: string): KubeObject[] {
  const collector = toCollectorResource(
    storedCollector((c) => {
      c.metadata.name = name;
      c.metadata.namespace = namespace;
      c.spec.config.receivers.prometheus.config.scrape_configs = [
        { job_name: 'pods', kubernetes_sd_configs: [{ role: 'pod' }] },
      ];
    }),
  )!;
  const config = renderAllocatorConfig(collector, { collectorManagedBy: 'opentelemetry-operator' });
  const permissions = allocatorPermissions(collector.namespace, config.scrapeConfigs, false);
  return [
    ...buildAllocatorManifests(collector, config, permissions, { defaultImage: 'ta:1' }),
    ...buildCollectorManifests(collector, { defaultImage: 'otelcol:1' }),
  ];
}

describe('instanceLabel', () => {
  it('is <namespace>.<name> while that fits a label value', () => {
    expect(instanceLabel('observability', 'collector-with-ta')).toBe(
      'observability.collector-with-ta',
    );
  });

  it('shortens the namespace first, like the upstream operator, so its collector pods still match', () => {
    const name = 'a'.repeat(55);
    expect(instanceLabel('observability', name)).toBe(`observa.${name}`);
    expect(instanceLabel('observability', 'b'.repeat(63))).toBe('b'.repeat(62));
    // Namespace gone, name cut to fit: no leading dot, no trailing dash.
    expect(instanceLabel('observability', `${'c'.repeat(61)}-yy`)).toBe('c'.repeat(61));
  });
});

describe('objects of a collector whose <namespace>.<name> is longer than a label value', () => {
  const namespace = 'observability-payments-production';
  const name = 'collector-with-ta-for-the-payments-team-in-eu-west-1';
  const objects = renderAll(namespace, name);

  it('carry only valid label values (the API server rejects anything else)', () => {
    const values = objects.flatMap((o) => labelValues(o));
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) expect(value).toMatch(LABEL_VALUE);
  });

  it('still name their collector, cluster-scoped ones included', () => {
    expect(objects.some((o) => o.kind === 'ClusterRole')).toBe(true);
    for (const obj of objects) expect(ownerKey(obj)).toBe(`${namespace}/${name}`);
  });
});
