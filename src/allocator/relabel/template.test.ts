import { describe, expect, it } from 'vitest';
import { compileTemplate, type MatchGroups } from './template.js';

const match: MatchGroups = Object.assign(['whole', 'one', 'two'], {
  groups: { name: 'named', '1x': 'one-x' },
});

function expand(template: string): string {
  return compileTemplate(template).expand(match);
}

describe('compileTemplate (Go regexp.Expand)', () => {
  it.each([
    ['$1', 'one'],
    ['${1}', 'one'],
    ['${1}x', 'onex'],
    ['$1x', 'one-x'],
    ['$2$1', 'twoone'],
    ['$name', 'named'],
    ['${name}!', 'named!'],
    ['$nameless', ''],
    ['$9', ''],
    ['$01', ''],
    ['$$1', '$1'],
    ['a$', 'a$'],
    ['${', '${'],
    ['${1', '${1'],
    ['$-', '$-'],
    ['plain', 'plain'],
  ])('expands %s to %s', (template, expected) => {
    expect(expand(template)).toBe(expected);
  });

  it('reports templates without references as literal', () => {
    expect(compileTemplate('a$$b').literal).toBe('a$b');
    expect(compileTemplate('$1').literal).toBeUndefined();
  });
});
