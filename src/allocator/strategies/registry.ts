import { UsageError } from '../../errors.js';
import { ConsistentHashingStrategy, DEFAULT_LOAD_BOUND } from './consistent-hashing.js';
import { LeastWeightedStrategy } from './least-weighted.js';
import { PerNodeStrategy } from './per-node.js';
import {
  STRATEGY_NAMES,
  type AllocationStrategy,
  type StrategyName,
  type StrategyOptions,
} from './strategy.js';

type StrategyFactory = (options: StrategyOptions) => AllocationStrategy;

const FACTORIES: Readonly<Record<StrategyName, StrategyFactory>> = {
  'consistent-hashing': (options) => new ConsistentHashingStrategy(loadBound(options.loadBound)),
  'least-weighted': (options) => new LeastWeightedStrategy(options.rebalanceOnJoin ?? false),
  'per-node': (options) => new PerNodeStrategy(fallback(options)),
};

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/** Builds a strategy by its configured name (`allocation_strategy`); an unknown name is a usage error. */
export function createStrategy(name: string, options: StrategyOptions = {}): AllocationStrategy {
  if (!isStrategyName(name)) {
    throw new UsageError(
      'UNKNOWN_ALLOCATION_STRATEGY',
      `unknown allocation strategy "${name}": set allocation_strategy to one of ${STRATEGY_NAMES.join(', ')}`,
    );
  }
  const fallbackName = options.fallbackStrategy;
  // Upstream refuses an unknown fallback name at start whatever the strategy; a typo must not
  // wait to surface until the day the strategy becomes per-node.
  if (fallbackName !== undefined && fallbackName !== '' && !isStrategyName(fallbackName)) {
    throw unknownFallback(fallbackName);
  }
  return FACTORIES[name](options);
}

function unknownFallback(name: string): UsageError {
  return new UsageError(
    'UNKNOWN_FALLBACK_STRATEGY',
    `unknown allocation fallback strategy "${name}": set allocation_fallback_strategy to consistent-hashing or least-weighted, or leave it empty`,
  );
}

function fallback(options: StrategyOptions): AllocationStrategy | undefined {
  const name = options.fallbackStrategy;
  if (name === undefined || name === '') return undefined;
  if (name === 'per-node' || !isStrategyName(name)) throw unknownFallback(name);
  return FACTORIES[name]({ ...options, fallbackStrategy: undefined });
}

function loadBound(value: number | undefined): number {
  const bound = value ?? DEFAULT_LOAD_BOUND;
  if (!(bound >= 1)) {
    throw new UsageError(
      'INVALID_LOAD_BOUND',
      `the consistent-hashing load bound must be a number >= 1 (got ${String(value)}); 1.05 keeps every collector within 5% of the mean`,
    );
  }
  return bound;
}
