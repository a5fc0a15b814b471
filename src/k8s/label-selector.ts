/**
 * The Kubernetes LabelSelector, one definition for every place that reads one (the allocator's
 * `collector_selector`, the admin policy's object selectors, the controller's pod selectors).
 */
export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** Every matchLabels entry and every expression must hold; `{}` (no requirements) selects everything. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

/** One problem of a LabelSelector: the dotted path of the bad field and what to change. */
export interface SelectorProblem {
  readonly path: string;
  readonly message: string;
}

export interface LabelSelectorRead {
  /** Undefined exactly when there are problems. */
  readonly selector: LabelSelector | undefined;
  readonly problems: readonly SelectorProblem[];
}

export interface LabelSelectorSpelling {
  /**
   * Also accept `matchlabels`/`matchexpressions`, as the upstream allocator's config does (its
   * YAML library lowercases keys); one spelling per selector, never both.
   */
  readonly lowercaseKeys?: boolean;
}

type Json = Record<string, unknown>;

function isMap(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Reads a LabelSelector (absent or null: the empty selector, which selects everything), the one
 * parser for every place that takes one. Collects every problem rather than stopping at the first;
 * callers that stop at the first report `problems[0]`. Unknown keys are problems: a misspelt
 * `matchLabel` must not silently select everything.
 */
export function parseLabelSelector(
  value: unknown,
  path: string,
  spelling: LabelSelectorSpelling = {},
): LabelSelectorRead {
  const problems: SelectorProblem[] = [];
  const add = (at: string, message: string): void => {
    problems.push({ path: at, message });
  };
  const child = (key: string): string => (path === '' ? key : `${path}.${key}`);
  if (value !== undefined && value !== null && !isMap(value)) {
    add(path, `must be a LabelSelector (matchLabels, matchExpressions), got ${describe(value)}`);
    return { selector: undefined, problems };
  }
  const map = value ?? {};
  const allowed = spelling.lowercaseKeys
    ? ['matchLabels', 'matchExpressions', 'matchlabels', 'matchexpressions']
    : ['matchLabels', 'matchExpressions'];
  checkKeys(map, allowed, child, add);
  const labelsKey = spellingOf(map, 'matchLabels', spelling, path, add);
  const expressionsKey = spellingOf(map, 'matchExpressions', spelling, path, add);
  const matchLabels = readMatchLabels(map[labelsKey], child(labelsKey), add);
  const matchExpressions = readExpressions(map[expressionsKey], child(expressionsKey), add);
  if (problems.length > 0) return { selector: undefined, problems };
  return {
    selector: Object.freeze({
      matchLabels: Object.freeze(matchLabels),
      matchExpressions: Object.freeze(matchExpressions),
    }),
    problems,
  };
}

type Add = (path: string, message: string) => void;

function checkKeys(
  map: Json,
  allowed: readonly string[],
  child: (key: string) => string,
  add: Add,
): void {
  for (const key of Object.keys(map)) {
    if (!allowed.includes(key)) {
      add(child(key), `unknown key; allowed keys are ${allowed.join(', ')}`);
    }
  }
}

function present(map: Json, key: string): boolean {
  return map[key] !== undefined && map[key] !== null;
}

function spellingOf(
  map: Json,
  key: 'matchLabels' | 'matchExpressions',
  spelling: LabelSelectorSpelling,
  path: string,
  add: Add,
): string {
  const lower = key.toLowerCase();
  if (!spelling.lowercaseKeys || !present(map, lower)) return key;
  if (present(map, key)) add(path, `set either ${key} or ${lower}, not both`);
  return lower;
}

function readMatchLabels(value: unknown, path: string, add: Add): Record<string, string> {
  const labels: Record<string, string> = {};
  if (value === undefined || value === null) return labels;
  if (!isMap(value)) {
    add(path, `must be a map of label to value, got ${describe(value)}`);
    return labels;
  }
  for (const [key, labelValue] of Object.entries(value)) {
    if (typeof labelValue === 'string') labels[key] = labelValue;
    else add(`${path}.${key}`, 'must be a string (quote numbers and booleans)');
  }
  return labels;
}

function readExpressions(value: unknown, path: string, add: Add): LabelSelectorRequirement[] {
  const requirements: LabelSelectorRequirement[] = [];
  if (value === undefined || value === null) return requirements;
  if (!Array.isArray(value)) {
    add(path, `must be a list of {key, operator, values}, got ${describe(value)}`);
    return requirements;
  }
  value.forEach((item: unknown, index) => {
    const requirement = readRequirement(item, `${path}[${index}]`, add);
    if (requirement !== undefined) requirements.push(requirement);
  });
  return requirements;
}

function readRequirement(
  value: unknown,
  path: string,
  add: Add,
): LabelSelectorRequirement | undefined {
  if (!isMap(value)) {
    add(path, `must be a map with key, operator and values, got ${describe(value)}`);
    return undefined;
  }
  let valid = true;
  const counted: Add = (at, message) => {
    valid = false;
    add(at, message);
  };
  checkKeys(value, ['key', 'operator', 'values'], (key) => `${path}.${key}`, counted);
  const key = value.key;
  if (typeof key !== 'string' || key === '') counted(`${path}.key`, 'must be a non-empty string');
  const operator = value.operator;
  const known = SELECTOR_OPERATORS.find((candidate) => candidate === operator);
  if (known === undefined) {
    counted(
      `${path}.operator`,
      `must be one of ${SELECTOR_OPERATORS.join(', ')}; got ${JSON.stringify(operator ?? null)}`,
    );
  }
  const rawValues: unknown = value.values ?? [];
  const values =
    Array.isArray(rawValues) && rawValues.every((item) => typeof item === 'string')
      ? rawValues
      : undefined;
  if (values === undefined) counted(`${path}.values`, 'must be a list of strings');
  if (known !== undefined && values !== undefined) {
    const needsValues = known === 'In' || known === 'NotIn';
    if (needsValues && values.length === 0) {
      counted(`${path}.values`, `must not be empty with operator ${known}`);
    }
    if (!needsValues && values.length > 0) {
      counted(`${path}.values`, `must be empty with operator ${known}`);
    }
  }
  if (!valid || known === undefined || values === undefined) return undefined;
  return Object.freeze({ key: key as string, operator: known, values: Object.freeze(values) });
}
