import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from './label-selector.js';

describe('parseLabelSelector', () => {
  it('reads matchLabels and matchExpressions; absent or null is the empty selector', () => {
    expect(
      parseLabelSelector(
        {
          matchLabels: { app: 'c' },
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['a'] },
            { key: 'x', operator: 'Exists' },
          ],
        },
        'sel',
      ),
    ).toEqual({
      selector: {
        matchLabels: { app: 'c' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['a'] },
          { key: 'x', operator: 'Exists', values: [] },
        ],
      },
      problems: [],
    });
    for (const empty of [undefined, null, {}]) {
      expect(parseLabelSelector(empty, 'sel').selector).toEqual({
        matchLabels: {},
        matchExpressions: [],
      });
    }
  });

  it('accepts the lowercase spelling only when asked, and never both spellings at once', () => {
    const lower = {
      matchlabels: { app: 'c' },
      matchexpressions: [{ key: 'k', operator: 'Exists' }],
    };
    expect(parseLabelSelector(lower, 'sel', { lowercaseKeys: true }).selector).toEqual({
      matchLabels: { app: 'c' },
      matchExpressions: [{ key: 'k', operator: 'Exists', values: [] }],
    });
    expect(parseLabelSelector(lower, 'sel').problems.map((p) => p.path)).toEqual([
      'sel.matchlabels',
      'sel.matchexpressions',
    ]);
    expect(
      parseLabelSelector({ matchLabels: {}, matchlabels: {} }, 'sel', { lowercaseKeys: true })
        .problems,
    ).toEqual([{ path: 'sel', message: 'set either matchLabels or matchlabels, not both' }]);
  });

  it('reports every problem with the path of the bad field and what to change', () => {
    const read = parseLabelSelector(
      {
        matchLabels: { app: 1 },
        matchExpressions: [
          { key: '', operator: 'Is', extra: true },
          { key: 'k', operator: 'In' },
          { key: 'k', operator: 'Exists', values: ['v'] },
          'nope',
        ],
      },
      'rules[0].match.objectSelector',
    );
    expect(read.selector).toBeUndefined();
    expect(read.problems).toEqual([
      {
        path: 'rules[0].match.objectSelector.matchLabels.app',
        message: 'must be a string (quote numbers and booleans)',
      },
      {
        path: 'rules[0].match.objectSelector.matchExpressions[0].extra',
        message: 'unknown key; allowed keys are key, operator, values',
      },
      {
        path: 'rules[0].match.objectSelector.matchExpressions[0].key',
        message: 'must be a non-empty string',
      },
      {
        path: 'rules[0].match.objectSelector.matchExpressions[0].operator',
        message: 'must be one of In, NotIn, Exists, DoesNotExist; got "Is"',
      },
      {
        path: 'rules[0].match.objectSelector.matchExpressions[1].values',
        message: 'must not be empty with operator In',
      },
      {
        path: 'rules[0].match.objectSelector.matchExpressions[2].values',
        message: 'must be empty with operator Exists',
      },
      {
        path: 'rules[0].match.objectSelector.matchExpressions[3]',
        message: 'must be a map with key, operator and values, got string "nope"',
      },
    ]);
    expect(parseLabelSelector([1], 'sel').problems).toEqual([
      {
        path: 'sel',
        message: 'must be a LabelSelector (matchLabels, matchExpressions), got a list',
      },
    ]);
  });
});
