import { describe, expect, it } from 'vitest';
import { parseTargetGroups, reuseUnchangedGroups } from './target-group-parser.js';

const parse = (value: unknown) =>
  parseTargetGroups(value, {
    where: 'test',
    sourceOf: (i) => `f:${i}`,
    extraLabels: { __meta_filepath: 'f' },
  });

describe('target group lists', () => {
  it('parses targets and labels; extra labels win over the group labels', () => {
    expect(parse([{ targets: ['a:1'], labels: { env: 'p', __meta_filepath: 'mine' } }])).toEqual([
      {
        source: 'f:0',
        targets: [{ __address__: 'a:1' }],
        labels: { env: 'p', __meta_filepath: 'f' },
      },
    ]);
    expect(parse(null)).toEqual([]);
  });

  it.each([
    [{ targets: [] }, 'expected a list of target groups'],
    [[{ targets: ['a'], labels: { 'bad-name': 'x' } }], '"bad-name" is not a valid label name'],
    [[{ targets: ['a'], labels: { a: 1 } }], 'label "a" must have a string value'],
    [[{ targets: ['a'], label: {} }], 'unknown key "label"'],
  ])('rejects %j', (value, message) => {
    expect(() => parse(value)).toThrow(message);
  });

  it('keeps the previous object of every group whose content is unchanged', () => {
    const before = parse([{ targets: ['a:1'] }, { targets: ['b:1'] }]);
    const after = reuseUnchangedGroups(before, parse([{ targets: ['a:1'] }, { targets: ['b:2'] }]));
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(after[1]?.targets).toEqual([{ __address__: 'b:2' }]);
  });
});
