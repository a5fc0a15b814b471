import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { createStrategy } from './registry.js';

describe('createStrategy', () => {
  it.each(['consistent-hashing', 'least-weighted', 'per-node'])('builds %s', (name) => {
    expect(createStrategy(name).name).toBe(name);
  });

  it('rejects an unknown name with a usage error that lists the valid names', () => {
    expect(() => createStrategy('round-robin')).toThrow(UsageError);
    expect(() => createStrategy('round-robin')).toThrow(
      /unknown allocation strategy "round-robin".*consistent-hashing, least-weighted, per-node/,
    );
  });

  it('accepts an empty fallback as none, and rejects per-node or unknown names as the fallback', () => {
    expect(createStrategy('per-node', { fallbackStrategy: '' }).name).toBe('per-node');
    expect(() => createStrategy('per-node', { fallbackStrategy: 'per-node' })).toThrow(
      /fallback strategy "per-node"/,
    );
    expect(() => createStrategy('per-node', { fallbackStrategy: 'nope' })).toThrow(UsageError);
  });

  it('rejects an unknown fallback name whatever the strategy, as upstream refuses to start', () => {
    expect(() =>
      createStrategy('consistent-hashing', { fallbackStrategy: 'least-weigthed' }),
    ).toThrow(/unknown allocation fallback strategy "least-weigthed"/);
    // A known name is accepted and unused, as upstream ignores a fallback outside per-node.
    expect(createStrategy('least-weighted', { fallbackStrategy: 'per-node' }).name).toBe(
      'least-weighted',
    );
  });

  it('rejects a load bound below 1', () => {
    expect(() => createStrategy('consistent-hashing', { loadBound: 0.9 })).toThrow(
      /load bound must be a number >= 1/,
    );
    expect(() => createStrategy('consistent-hashing', { loadBound: Number.NaN })).toThrow(
      UsageError,
    );
  });
});
