import { describe, expect, it } from 'vitest';
import { formatLabelSelector } from './kubernetes-label-selector.js';

describe('formatLabelSelector', () => {
  it('writes matchLabels and every matchExpressions operator in the API server syntax', () => {
    expect(
      formatLabelSelector({
        matchLabels: { b: '2', a: '1' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['web', 'api'] },
          { key: 'canary', operator: 'NotIn', values: ['true'] },
          { key: 'team', operator: 'Exists', values: [] },
          { key: 'legacy', operator: 'DoesNotExist', values: [] },
        ],
      }),
    ).toBe('a=1,b=2,tier in (api,web),canary notin (true),team,!legacy');
  });

  it('selects everything for an empty or absent selector', () => {
    expect(formatLabelSelector({ matchLabels: {}, matchExpressions: [] })).toBe('');
    expect(formatLabelSelector(undefined)).toBe('');
  });
});
