import RE2 from 're2';
import { STRATEGY_NAMES } from '../allocator/strategies/strategy.js';
import { UsageError } from '../errors.js';
import { parseLabelSelector } from '../k8s/label-selector.js';
import {
  CONSTRAINT_ACTIONS,
  OUT_OF_ORDER_MODES,
  type ConstraintAction,
  type LabelSelector,
  type NamespacePattern,
  type OutOfOrderMode,
  type Policy,
  type PolicyRule,
  type RuleMatch,
} from './policy.js';

type Json = Record<string, unknown>;

/**
 * Collects every problem in the file rather than stopping at the first, so an admin fixes the
 * whole file in one go. Unknown keys are errors: a misspelt `outOfOrder` must not silently
 * weaken the policy.
 */
class Problems {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(
  value: Json,
  allowed: readonly string[],
  path: string,
  problems: Problems,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      problems.add(`${path}.${key}`, `unknown key; allowed keys are ${allowed.join(', ')}`);
    }
  }
}

function stringList(value: unknown, path: string, problems: Problems): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    problems.add(path, 'must be a list of strings');
    return [];
  }
  return value;
}

function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  fallback: T,
  path: string,
  problems: Problems,
): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as T;
  problems.add(path, `must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  return fallback;
}

function parseObjectSelector(
  value: unknown,
  path: string,
  problems: Problems,
): LabelSelector | undefined {
  if (value === undefined || value === null) return undefined;
  const read = parseLabelSelector(value, path);
  for (const problem of read.problems) problems.add(problem.path, problem.message);
  return read.selector;
}

function compileNamespaceRegex(
  value: unknown,
  path: string,
  problems: Problems,
): NamespacePattern | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    problems.add(path, 'must be a string (an RE2 regular expression)');
    return undefined;
  }
  try {
    // Anchored like Prometheus regexes: `team-.*` matches whole names only.
    const regex = new RE2(`^(?:${value})$`);
    return { source: value, test: (namespace) => regex.test(namespace) };
  } catch (err) {
    problems.add(
      path,
      `is not a valid RE2 regular expression: ${err instanceof Error ? err.message : String(err)}`,
    );
    return undefined;
  }
}

function parseMatch(value: unknown, path: string, problems: Problems): RuleMatch {
  if (value === undefined || value === null) {
    return { namespaces: [], namespaceRegex: undefined, objectSelector: undefined };
  }
  if (!isObject(value)) {
    problems.add(path, 'must be a map (namespaces, namespaceRegex, objectSelector)');
    return { namespaces: [], namespaceRegex: undefined, objectSelector: undefined };
  }
  checkKeys(value, ['namespaces', 'namespaceRegex', 'objectSelector'], path, problems);
  return {
    namespaces: stringList(value.namespaces, `${path}.namespaces`, problems),
    namespaceRegex: compileNamespaceRegex(value.namespaceRegex, `${path}.namespaceRegex`, problems),
    objectSelector: parseObjectSelector(value.objectSelector, `${path}.objectSelector`, problems),
  };
}

function parseMaxReplicas(value: unknown, path: string, problems: Problems): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    problems.add(path, `must be a whole number of at least 1; got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value;
}

/** A misspelt strategy would deny every collector the rule matches, so only known names pass. */
function strategyList(value: unknown, path: string, problems: Problems): string[] {
  const names = stringList(value, path, problems);
  names.forEach((name, index) => {
    if (!(STRATEGY_NAMES as readonly string[]).includes(name)) {
      problems.add(
        `${path}[${index}]`,
        `must be one of ${STRATEGY_NAMES.join(', ')}; got ${JSON.stringify(name)}`,
      );
    }
  });
  return names;
}

const RULE_KEYS = [
  'name',
  'match',
  'outOfOrder',
  'allowedStrategies',
  'allowedImagePrefixes',
  'maxAllocatorReplicas',
  'constraintAction',
] as const;

function parseRule(value: unknown, index: number, problems: Problems): PolicyRule | undefined {
  const path = `rules[${index}]`;
  if (!isObject(value)) {
    problems.add(path, 'must be a map');
    return undefined;
  }
  checkKeys(value, RULE_KEYS, path, problems);
  if (value.name !== undefined && typeof value.name !== 'string')
    problems.add(`${path}.name`, 'must be a string');
  return {
    name: typeof value.name === 'string' && value.name !== '' ? value.name : path,
    match: parseMatch(value.match, `${path}.match`, problems),
    outOfOrder: oneOf<OutOfOrderMode>(
      value.outOfOrder,
      OUT_OF_ORDER_MODES,
      'warn',
      `${path}.outOfOrder`,
      problems,
    ),
    allowedStrategies: strategyList(value.allowedStrategies, `${path}.allowedStrategies`, problems),
    allowedImagePrefixes: stringList(
      value.allowedImagePrefixes,
      `${path}.allowedImagePrefixes`,
      problems,
    ),
    maxAllocatorReplicas: parseMaxReplicas(
      value.maxAllocatorReplicas,
      `${path}.maxAllocatorReplicas`,
      problems,
    ),
    constraintAction: oneOf<ConstraintAction>(
      value.constraintAction,
      CONSTRAINT_ACTIONS,
      'deny',
      `${path}.constraintAction`,
      problems,
    ),
  };
}

/**
 * Validates a parsed policy document (YAML already decoded). An empty document is the empty
 * policy. Throws a `UsageError` listing every problem with its path.
 */
export function parsePolicy(document: unknown, source = 'policy'): Policy {
  if (document === undefined || document === null) return { exemptNamespaces: [], rules: [] };
  const problems = new Problems();
  if (!isObject(document)) {
    throw new UsageError(
      'POLICY_INVALID',
      `${source}: the policy must be a map with the keys exemptNamespaces and rules`,
    );
  }
  checkKeys(document, ['exemptNamespaces', 'rules'], '$', problems);
  const exemptNamespaces = stringList(document.exemptNamespaces, 'exemptNamespaces', problems);
  const rules: PolicyRule[] = [];
  if (document.rules !== undefined && document.rules !== null && !Array.isArray(document.rules)) {
    problems.add('rules', 'must be a list of rules');
  } else {
    (document.rules ?? []).forEach((item: unknown, index: number) => {
      const rule = parseRule(item, index, problems);
      if (rule !== undefined) rules.push(rule);
    });
  }
  if (problems.list.length > 0) {
    throw new UsageError(
      'POLICY_INVALID',
      `${source} is invalid (see docs/policy.md): ${problems.list.join('; ')}`,
    );
  }
  return { exemptNamespaces, rules };
}
