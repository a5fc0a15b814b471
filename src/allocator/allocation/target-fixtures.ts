import type { Collector, Target } from '../model.js';

/** Test fixtures: targets shaped like the target builder's output, from one base plus the difference. */
export function target(job: string, address: string, extra: Partial<Target> = {}): Target {
  return {
    id: `${job}/${address}`,
    job,
    address,
    labels: { __address__: address, __meta_kubernetes_namespace: 'default' },
    nodeName: undefined,
    ...extra,
  };
}

/** `count` distinct pod-like addresses: 10.a.b.c:8080. */
export function targets(job: string, count: number, offset = 0): Target[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + offset;
    return target(job, `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:8080`);
  });
}

export function collectors(count: number, prefix = 'collector'): Collector[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}` }));
}
