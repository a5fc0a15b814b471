import { describe, expect, it } from 'vitest';
import { scaledDown } from './scale-down.js';

describe('scaledDown', () => {
  it('a pod at or above the replicas was scaled down; one below gets a successor', () => {
    expect(scaledDown('collector-3', 'collector', 3)).toBe(true);
    expect(scaledDown('collector-4', 'collector', 3)).toBe(true);
    expect(scaledDown('collector-2', 'collector', 3)).toBe(false);
    expect(scaledDown('collector-0', 'collector', 0)).toBe(true);
  });

  it('a StatefulSet name with dashes and digits of its own', () => {
    expect(scaledDown('otel-1-collector-10', 'otel-1-collector', 10)).toBe(true);
    expect(scaledDown('otel-1-collector-9', 'otel-1-collector', 10)).toBe(false);
  });

  it('a name that is not one of the StatefulSet’s pod names tells nothing', () => {
    expect(scaledDown('other-3', 'collector', 1)).toBeUndefined();
    expect(scaledDown('collector-x', 'collector', 1)).toBeUndefined();
    expect(scaledDown('collector-', 'collector', 1)).toBeUndefined();
    expect(scaledDown('collector-01', 'collector', 1)).toBeUndefined();
    expect(scaledDown('collector-1-2', 'collector', 1)).toBeUndefined();
  });
});
