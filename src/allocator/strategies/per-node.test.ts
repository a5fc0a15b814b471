import { describe, expect, it } from 'vitest';
import { target } from '../allocation/target-fixtures.js';
import { Allocator } from '../allocator.js';
import { createStrategy } from './registry.js';

function allocator(fallbackStrategy?: string): Allocator {
  return new Allocator({ strategy: createStrategy('per-node', { fallbackStrategy }) });
}

const onNode = (address: string, nodeName: string | undefined) =>
  target('pods', address, { nodeName });
const daemonset = [
  { id: 'otel-a', nodeName: 'node-a' },
  { id: 'otel-b', nodeName: 'node-b' },
];

describe('per-node', () => {
  it('sends each target to the collector on its node', () => {
    const a = allocator();
    a.setCollectors(daemonset);
    a.setJobTargets('pods', [
      onNode('10.0.0.1:80', 'node-a'),
      onNode('10.0.0.2:80', 'node-b'),
      onNode('10.0.0.3:80', 'node-a'),
    ]);
    expect(a.targetsFor('pods', 'otel-a').map((t) => t.address)).toEqual([
      '10.0.0.1:80',
      '10.0.0.3:80',
    ]);
    expect(a.targetsFor('pods', 'otel-b').map((t) => t.address)).toEqual(['10.0.0.2:80']);
  });

  it('without a fallback, leaves node-less targets and targets on collector-less nodes unassigned and counted', () => {
    const a = allocator();
    a.setCollectors(daemonset);
    a.setJobTargets('pods', [
      onNode('10.0.0.1:80', undefined),
      onNode('10.0.0.2:80', 'node-c'),
      onNode('10.0.0.3:80', 'node-a'),
    ]);
    expect(a.unassignedCount()).toBe(2);
    expect(a.targetCount('pods')).toBe(3);
  });

  it('places a waiting target once a collector starts on its node', () => {
    const a = allocator();
    a.setCollectors(daemonset);
    a.setJobTargets('pods', [onNode('10.0.0.2:80', 'node-c')]);
    a.setCollectors([...daemonset, { id: 'otel-c', nodeName: 'node-c' }]);
    expect(a.unassignedCount()).toBe(0);
    expect(a.collectorOf('pods', 'pods/10.0.0.2:80')).toBe('otel-c');
    a.setCollectors(daemonset);
    expect(a.unassignedCount()).toBe(1);
  });

  it('with a fallback, places node-less targets through the fallback strategy', () => {
    const a = allocator('consistent-hashing');
    a.setCollectors(daemonset);
    a.setJobTargets('pods', [
      onNode('10.0.0.1:80', undefined),
      onNode('10.0.0.2:80', undefined),
      onNode('10.0.0.3:80', 'node-b'),
    ]);
    expect(a.unassignedCount()).toBe(0);
    expect(a.collectorOf('pods', 'pods/10.0.0.3:80')).toBe('otel-b');
    expect(['otel-a', 'otel-b']).toContain(a.collectorOf('pods', 'pods/10.0.0.1:80'));
  });

  it('with a least-weighted fallback, sends node-less targets to the collectors with the fewest targets in all', () => {
    // Upstream's least-weighted fallback counts every target a collector holds, its node's too.
    const a = allocator('least-weighted');
    a.setCollectors(daemonset);
    a.setJobTargets('pods', [
      onNode('10.0.0.1:80', 'node-a'),
      onNode('10.0.0.2:80', 'node-a'),
      onNode('10.0.0.3:80', 'node-a'),
    ]);
    a.setJobTargets('static', [
      target('static', 'db-0:9100'),
      target('static', 'db-1:9100'),
      target('static', 'db-2:9100'),
      target('static', 'db-3:9100'),
    ]);
    expect(a.targetsFor('static', 'otel-b')).toHaveLength(3);
    expect(a.targetsFor('static', 'otel-a')).toHaveLength(1);
  });

  it('moves a target when it is rescheduled onto another node', () => {
    const a = allocator();
    a.setCollectors(daemonset);
    a.setJobTargets('pods', [onNode('10.0.0.1:80', 'node-a')]);
    a.setJobTargets('pods', [onNode('10.0.0.1:80', 'node-b')]);
    expect(a.collectorOf('pods', 'pods/10.0.0.1:80')).toBe('otel-b');
  });
});
