import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { compileRelabelConfigs } from './compile-relabel-configs.js';

function errorOf(
  raw: unknown,
  where: Parameters<typeof compileRelabelConfigs>[1] = {},
): UsageError {
  try {
    compileRelabelConfigs(raw, where);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('expected a UsageError');
}

describe('compileRelabelConfigs validation', () => {
  it('names the job, the field, the rule index and the regex problem', () => {
    const err = errorOf(
      [{ source_labels: ['a'], target_label: 'b' }, { action: 'keep' }, { regex: '(' }],
      {
        job: 'api',
      },
    );
    expect(err.message).toBe('job "api": relabel_configs[2]: invalid regex "(": missing )');
    expect(err.code).toBe('INVALID_RELABEL_CONFIG');
  });

  it('names metric_relabel_configs when asked to', () => {
    const err = errorOf([{ action: 'labeldrop', regex: 'a{2,1}' }], {
      field: 'metric_relabel_configs',
    });
    expect(err.message).toBe(
      'metric_relabel_configs[0]: invalid regex "a{2,1}": invalid repetition size: {2,1}',
    );
  });

  it('rejects backtracking-only syntax that RE2 does not support', () => {
    expect(errorOf([{ action: 'keep', regex: 'a(?=b)' }]).message).toBe(
      'relabel_configs[0]: invalid regex "a(?=b)": invalid perl operator: (?=',
    );
  });

  it('rejects \\C (any byte), which RE2 in C++ accepts and Prometheus (Go) does not', () => {
    expect(errorOf([{ action: 'keep', regex: 'a\\C' }]).message).toBe(
      'relabel_configs[0]: invalid regex "a\\\\C": invalid escape sequence: \\C',
    );
    expect(errorOf([{ action: 'keep', regex: '[\\C]' }]).message).toContain('\\C');
    // An escaped backslash before C, and \C quoted by \Q...\E, are plain text.
    expect(() =>
      compileRelabelConfigs([{ action: 'keep', regex: 'a\\\\C|\\Q\\C\\E' }]),
    ).not.toThrow();
  });

  const cases: [string, unknown, string][] = [
    [
      'an unknown action',
      { action: 'rewrite' },
      'unknown relabel action "rewrite" (expected one of replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase)',
    ],
    ['an empty action', { action: '' }, 'relabel action cannot be empty'],
    [
      'replace without target_label',
      { source_labels: ['a'] },
      "relabel configuration for replace action requires 'target_label' value",
    ],
    [
      'hashmod without modulus',
      { action: 'hashmod', target_label: 'h' },
      'relabel configuration for hashmod requires non-zero modulus',
    ],
    [
      'hashmod without target_label',
      { action: 'hashmod', modulus: 2 },
      "relabel configuration for hashmod action requires 'target_label' value",
    ],
    [
      'lowercase without target_label',
      { action: 'lowercase' },
      "relabel configuration for lowercase action requires 'target_label' value",
    ],
    [
      'uppercase with a replacement',
      { action: 'uppercase', target_label: 'u', replacement: 'x' },
      "'replacement' can not be set for uppercase action",
    ],
    [
      'keepequal with a regex',
      { action: 'keepequal', target_label: 't', regex: '(.*)' },
      "keepequal action requires only 'source_labels' and 'target_label', and no other fields",
    ],
    [
      'dropequal with a separator',
      { action: 'dropequal', target_label: 't', separator: ',' },
      "dropequal action requires only 'source_labels' and 'target_label', and no other fields",
    ],
    [
      'labeldrop with source_labels',
      { action: 'labeldrop', regex: 'a', source_labels: ['x'] },
      "labeldrop action requires only 'regex', and no other fields",
    ],
    [
      'labelkeep with a target_label',
      { action: 'labelkeep', regex: 'a', target_label: 'x' },
      "labelkeep action requires only 'regex', and no other fields",
    ],
    [
      'labelmap with an empty replacement',
      { action: 'labelmap', regex: 'a', replacement: '' },
      `"" is invalid 'replacement' for labelmap action`,
    ],
    [
      'an unknown field',
      { action: 'keep', regexp: 'a' },
      'unknown field "regexp" (expected one of source_labels, separator, regex, modulus, target_label, replacement, action)',
    ],
    [
      'a non-list source_labels',
      { source_labels: 'a', target_label: 'b' },
      'source_labels must be a list of label names, got string "a"',
    ],
    [
      'an empty source label',
      { source_labels: [''], target_label: 'b' },
      'source_labels[0]: "" is not a valid label name',
    ],
    [
      'a negative modulus',
      { action: 'hashmod', target_label: 'h', modulus: -1 },
      'modulus must be a non-negative integer, got number -1',
    ],
    ['a rule that is not a mapping', 'keep', 'must be a mapping, got string "keep"'],
  ];
  it.each(cases)('rejects %s', (_name, rule, message) => {
    expect(errorOf([rule]).message).toBe(`relabel_configs[0]: ${message}`);
  });

  it('rejects a relabel_configs value that is not a list', () => {
    expect(errorOf({ action: 'keep' }, { job: 'j' }).message).toBe(
      'job "j": relabel_configs: must be a list of relabel rules, got object',
    );
  });

  it('validates target labels with the legacy scheme when asked to', () => {
    const rule = { source_labels: ['a'], target_label: 'my-label' };
    expect(() => compileRelabelConfigs([rule])).not.toThrow();
    expect(errorOf([rule], { nameValidation: 'legacy' }).message).toBe(
      `relabel_configs[0]: "my-label" is invalid 'target_label' for replace action`,
    );
    const templated = { source_labels: ['a'], regex: '(.*)', target_label: '-${1}' };
    expect(errorOf([templated], { nameValidation: 'legacy' }).message).toBe(
      `relabel_configs[0]: "-\${1}" is invalid 'target_label' for replace action`,
    );
    expect(() =>
      compileRelabelConfigs([{ source_labels: ['a'], target_label: 'x_${1}' }], {
        nameValidation: 'legacy',
      }),
    ).not.toThrow();
  });

  it('accepts an absent list as no rules', () => {
    expect(compileRelabelConfigs(undefined).isEmpty).toBe(true);
    expect(compileRelabelConfigs(null).isEmpty).toBe(true);
  });

  it('accepts numbers where Prometheus reads strings, as Go YAML does', () => {
    const program = compileRelabelConfigs([
      { source_labels: ['a'], regex: 1, target_label: 'b', replacement: 2 },
    ]);
    expect(program.apply({ a: '1' })).toEqual({ a: '1', b: '2' });
  });
});
