import { describe, expect, it } from 'vitest';
import type { Labels } from '../model.js';
import { compileRelabelConfigs } from './compile-relabel-configs.js';

function relabel(rules: unknown[], labels: Labels): Labels | null {
  return compileRelabelConfigs(rules).apply(labels);
}

describe('replace', () => {
  it('writes the expanded replacement to the target label', () => {
    const out = relabel(
      [{ source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch${1}-ch${1}' }],
      { a: 'foo', b: 'bar' },
    );
    expect(out).toEqual({ a: 'foo', b: 'bar', d: 'choo-choo' });
  });

  it('joins source labels with the separator, a missing label counting as empty', () => {
    const rules = [
      { source_labels: ['a', 'missing', 'b'], separator: '|', target_label: 'joined' },
    ];
    expect(relabel(rules, { a: 'x', b: 'y' })).toEqual({ a: 'x', b: 'y', joined: 'x||y' });
  });

  it('uses Prometheus defaults: separator ";", regex (.*), replacement $1', () => {
    expect(relabel([{ source_labels: ['a', 'b'], target_label: 'c' }], { a: '1', b: '2' })).toEqual(
      { a: '1', b: '2', c: '1;2' },
    );
  });

  it('leaves the labels unchanged when the regex does not match', () => {
    const rules = [{ source_labels: ['a'], regex: 'f', target_label: 'b', replacement: 'bar' }];
    const input = { a: 'boo' };
    expect(relabel(rules, input)).toBe(input);
  });

  it('deletes the target label when the expanded replacement is empty', () => {
    const rules = [{ source_labels: ['a'], regex: '(x)?.*', target_label: 'b', replacement: '$1' }];
    expect(relabel(rules, { a: 'yyy', b: 'old' })).toEqual({ a: 'yyy' });
  });

  it('deletes the target label when the source is missing and the replacement is the default', () => {
    expect(relabel([{ source_labels: ['nope'], target_label: 'b' }], { b: 'old' })).toEqual({});
  });

  it('expands the target label name and ignores a result that is not a label name', () => {
    const rules = [
      {
        source_labels: ['a'],
        regex: 'some-([^-]+)-([^,]+)',
        target_label: '${1}',
        replacement: '${2}',
      },
      { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', target_label: '${3}' },
    ];
    expect(relabel(rules, { a: 'some-name-value' })).toEqual({
      a: 'some-name-value',
      name: 'value',
    });
  });

  it('distinguishes ${1}x (group 1 then x) from $1x (the group named 1x, empty)', () => {
    const rules = [
      { source_labels: ['a'], regex: '(.*)', target_label: 'braced', replacement: '${1}x' },
      { source_labels: ['a'], regex: '(.*)', target_label: 'bare', replacement: '$1x-' },
    ];
    expect(relabel(rules, { a: 'v' })).toEqual({ a: 'v', braced: 'vx', bare: '-' });
  });

  it('turns $$ into a literal dollar sign', () => {
    const rules = [{ source_labels: ['a'], target_label: 'b', replacement: '$$1 costs $$$1' }];
    expect(relabel(rules, { a: '5' })).toEqual({ a: '5', b: '$1 costs $5' });
  });

  it('supports named groups as $name and ${name}, in (?P<name>) and (?<name>) syntax', () => {
    const rules = [
      {
        source_labels: ['addr'],
        regex: '(?P<host>[^:]+):(?<port>\\d+)',
        target_label: 'where',
        replacement: '$host/${port}',
      },
    ];
    expect(relabel(rules, { addr: 'db:5432' })).toEqual({ addr: 'db:5432', where: 'db/5432' });
  });

  it('treats a malformed reference as literal text', () => {
    const rules = [{ source_labels: ['a'], target_label: 'b', replacement: 'x${1 $ ${}' }];
    expect(relabel(rules, { a: 'v' })).toEqual({ a: 'v', b: 'x${1 $ ${}' });
  });

  it('applies the real-life tag parsing example from Prometheus', () => {
    const rules = [
      {
        source_labels: ['__meta_sd_tags'],
        regex: '(?:.+,|^)path:(/[^,]+).*',
        target_label: '__metrics_path__',
        replacement: '${1}',
      },
      {
        source_labels: ['__meta_sd_tags'],
        regex: '(?:.+,|^)job:([^,]+).*',
        target_label: 'job',
        replacement: '${1}',
      },
      {
        source_labels: ['__meta_sd_tags'],
        regex: '(?:.+,|^)label:([^=]+)=([^,]+).*',
        target_label: '${1}',
        replacement: '${2}',
      },
    ];
    const tags = 'path:/secret,job:some-job,label:foo=bar';
    expect(relabel(rules, { __meta_sd_tags: tags })).toEqual({
      __meta_sd_tags: tags,
      __metrics_path__: '/secret',
      job: 'some-job',
      foo: 'bar',
    });
  });
});

describe('regex semantics', () => {
  it('anchors the regex: a does not match ba', () => {
    expect(relabel([{ source_labels: ['x'], regex: 'a', action: 'keep' }], { x: 'ba' })).toBeNull();
    expect(
      relabel([{ source_labels: ['x'], regex: 'a|b', action: 'keep' }], { x: 'ab' }),
    ).toBeNull();
    expect(
      relabel([{ source_labels: ['x'], regex: 'a.*', action: 'keep' }], { x: 'ba' }),
    ).toBeNull();
  });

  it('lets . match newlines in multi-line values', () => {
    const rules = [{ source_labels: ['x'], regex: 'first(.*)', target_label: 'rest' }];
    expect(relabel(rules, { x: 'first\nsecond\n' })).toEqual({
      x: 'first\nsecond\n',
      rest: '\nsecond\n',
    });
    expect(
      relabel([{ source_labels: ['x'], regex: 'a.b', action: 'keep' }], { x: 'a\nb' }),
    ).toEqual({ x: 'a\nb' });
  });

  it('does not let $ match before a trailing newline', () => {
    expect(
      relabel([{ source_labels: ['x'], regex: 'abc$', action: 'keep' }], { x: 'abc\n' }),
    ).toBeNull();
  });

  it('supports (?i) case-insensitive matching', () => {
    const rules = [{ source_labels: ['x'], regex: '(?i)true', action: 'keep' }];
    expect(relabel(rules, { x: 'TRUE' })).toEqual({ x: 'TRUE' });
    expect(relabel(rules, { x: 'yes' })).toBeNull();
  });

  it('uses RE2 classes: \\d, [[:alpha:]], \\pL', () => {
    const rules = [{ source_labels: ['x'], regex: '[[:alpha:]]+\\d\\pL', action: 'keep' }];
    expect(relabel(rules, { x: 'abc1é' })).toEqual({ x: 'abc1é' });
  });

  it('matches whole code points for non-ASCII input', () => {
    const rules = [
      { source_labels: ['x'], regex: '(.)(.)', target_label: 'second', replacement: '$2' },
    ];
    expect(relabel(rules, { x: '😀é' })).toEqual({ x: '😀é', second: 'é' });
  });
});

describe('regex safety', () => {
  it('evaluates backtracking-prone regexes on long values (they stay on RE2 past a safe length)', () => {
    const long = 'a'.repeat(20_000);
    const rules = [
      { source_labels: ['v'], regex: '(a|a)*b', action: 'drop' },
      { source_labels: ['v'], regex: '.*a.*a.*a.*b', action: 'drop' },
      { source_labels: ['v'], regex: '(a*)*c', action: 'drop' },
      {
        source_labels: ['v'],
        regex: '([^:]+)(?::\\d+)?;(\\d+)',
        target_label: 'addr',
        replacement: '$1:$2',
      },
    ];
    expect(relabel(rules, { v: long })).toEqual({ v: long });
    expect(relabel(rules, { v: `${long};9` })).toEqual({ v: `${long};9`, addr: `${long}:9` });
  });
});

describe('keep and drop', () => {
  it('keep drops the set when the regex does not match', () => {
    expect(
      relabel([{ source_labels: ['a'], regex: 'no-match', action: 'keep' }], { a: 'foo' }),
    ).toBeNull();
    expect(relabel([{ source_labels: ['a'], regex: 'f.*', action: 'keep' }], { a: 'foo' })).toEqual(
      {
        a: 'foo',
      },
    );
  });

  it('drop drops the set when the regex matches and stops later rules', () => {
    const rules = [
      { source_labels: ['a'], regex: '.*o.*', action: 'drop' },
      { source_labels: ['a'], target_label: 'never' },
    ];
    expect(relabel(rules, { a: 'foo' })).toBeNull();
    expect(relabel([{ source_labels: ['a'], regex: 'f|o', action: 'drop' }], { a: 'foo' })).toEqual(
      {
        a: 'foo',
      },
    );
  });

  it('keep on a missing label matches the empty string', () => {
    expect(
      relabel([{ source_labels: ['missing'], regex: '', action: 'keep' }], { a: '1' }),
    ).toEqual({
      a: '1',
    });
    expect(
      relabel([{ source_labels: ['missing'], regex: '.+', action: 'keep' }], { a: '1' }),
    ).toBeNull();
  });

  it('accepts the action in any case, like Prometheus', () => {
    expect(relabel([{ source_labels: ['a'], regex: 'x', action: 'DROP' }], { a: 'x' })).toBeNull();
  });
});

describe('keepequal and dropequal', () => {
  const input = { __tmp_port: '1234', __port1: '1234', __port2: '5678' };
  it('keepequal keeps the set only when the joined sources equal the target label', () => {
    expect(
      relabel(
        [{ source_labels: ['__tmp_port'], action: 'keepequal', target_label: '__port1' }],
        input,
      ),
    ).toBe(input);
    expect(
      relabel(
        [{ source_labels: ['__tmp_port'], action: 'keepequal', target_label: '__port2' }],
        input,
      ),
    ).toBeNull();
  });
  it('dropequal drops the set when the joined sources equal the target label', () => {
    expect(
      relabel(
        [{ source_labels: ['__tmp_port'], action: 'dropequal', target_label: '__port1' }],
        input,
      ),
    ).toBeNull();
    expect(
      relabel(
        [{ source_labels: ['__tmp_port'], action: 'dropequal', target_label: '__port2' }],
        input,
      ),
    ).toBe(input);
  });
});

describe('hashmod', () => {
  it('matches the values Prometheus computes', () => {
    const rules = [{ source_labels: ['c'], target_label: 'd', action: 'hashmod', modulus: 1000 }];
    expect(relabel(rules, { a: 'foo', b: 'bar', c: 'baz' })).toEqual({
      a: 'foo',
      b: 'bar',
      c: 'baz',
      d: '976',
    });
    const multiLine = [
      { source_labels: ['a'], target_label: 'b', action: 'hashmod', modulus: 1000 },
    ];
    expect(relabel(multiLine, { a: 'foo\nbar' })).toEqual({ a: 'foo\nbar', b: '734' });
  });

  it('uses all 64 bits of the hash for large moduli', () => {
    const rules = [
      { source_labels: ['c'], target_label: 'd', action: 'hashmod', modulus: 2n ** 64n - 1n },
    ];
    // md5("baz") = 73feffa4b7f6bb68 e44cf984c85f6e88; the low 8 bytes as a uint64:
    expect(relabel(rules, { c: 'baz' })).toEqual({
      c: 'baz',
      d: BigInt('0xe44cf984c85f6e88').toString(),
    });
  });
});

describe('labelmap, labeldrop, labelkeep', () => {
  it('labelmap copies matching labels under the expanded replacement name', () => {
    const rules = [{ action: 'labelmap', regex: '__meta_(my.*)', replacement: '${1}' }];
    expect(relabel(rules, { a: 'foo', __meta_my_bar: 'aaa', __meta_other: 'ccc' })).toEqual({
      a: 'foo',
      __meta_my_bar: 'aaa',
      __meta_other: 'ccc',
      my_bar: 'aaa',
    });
  });

  it('labelmap uses $1 by default and maps a snapshot of the labels', () => {
    const rules = [{ action: 'labelmap', regex: 'b(.*)' }];
    expect(relabel(rules, { b1: 'x', bb2: 'y' })).toEqual({ b1: 'x', bb2: 'y', '1': 'x', b2: 'y' });
  });

  it('labelmap resolves collisions like Prometheus: the last label in name order wins', () => {
    const rules = [{ action: 'labelmap', regex: '__meta_(?:a|b)_(.*)' }];
    expect(relabel(rules, { __meta_b_x: 'from-b', __meta_a_x: 'from-a' })).toMatchObject({
      x: 'from-b',
    });
  });

  it('labeldrop removes matching labels and labelkeep removes the others', () => {
    const input = { a: 'foo', b1: 'bar', b2: 'baz' };
    expect(relabel([{ action: 'labeldrop', regex: '(b.*)' }], input)).toEqual({ a: 'foo' });
    expect(relabel([{ action: 'labelkeep', regex: '(b.*)' }], input)).toEqual({
      b1: 'bar',
      b2: 'baz',
    });
  });

  it('re-adds a dropped label when a later rule sets it (Prometheus issue 12283)', () => {
    const rules = [
      { regex: '^__meta_kubernetes_pod_container_port_name$', action: 'labeldrop' },
      {
        source_labels: ['__meta_kubernetes_pod_annotation_XXX_metrics_port'],
        regex: '(.+)',
        action: 'replace',
        replacement: 'metrics',
        target_label: '__meta_kubernetes_pod_container_port_name',
      },
      {
        source_labels: ['__meta_kubernetes_pod_container_port_name'],
        regex: '^metrics$',
        action: 'keep',
      },
    ];
    const out = relabel(rules, {
      __meta_kubernetes_pod_container_port_name: 'foo',
      __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091',
    });
    expect(out).toEqual({
      __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091',
      __meta_kubernetes_pod_container_port_name: 'metrics',
    });
  });
});

describe('lowercase and uppercase', () => {
  it('set the target label to the case-mapped joined value', () => {
    const rules = [
      { source_labels: ['foo'], action: 'uppercase', target_label: 'foo_uppercase' },
      { source_labels: ['foo'], action: 'lowercase', target_label: 'foo_lowercase' },
    ];
    expect(relabel(rules, { foo: 'bAr123Foo' })).toEqual({
      foo: 'bAr123Foo',
      foo_uppercase: 'BAR123FOO',
      foo_lowercase: 'bar123foo',
    });
  });

  it('map code point by code point like Go (ß stays ß, İ becomes i)', () => {
    const rules = [
      { source_labels: ['v'], action: 'uppercase', target_label: 'up' },
      { source_labels: ['v'], action: 'lowercase', target_label: 'low' },
    ];
    expect(relabel(rules, { v: 'straße İΣ' })).toEqual({
      v: 'straße İΣ',
      up: 'STRAßE İΣ',
      low: 'straße iσ',
    });
  });
});

describe('apply', () => {
  it('never mutates its input and returns it when nothing changed', () => {
    const input = Object.freeze({ a: 'x' });
    const program = compileRelabelConfigs([
      { source_labels: ['a'], target_label: 'a' },
      { source_labels: ['a'], target_label: 'b' },
    ]);
    expect(program.apply(input)).toEqual({ a: 'x', b: 'x' });
    expect(input).toEqual({ a: 'x' });
    expect(compileRelabelConfigs([{ source_labels: ['a'], target_label: 'a' }]).apply(input)).toBe(
      input,
    );
  });

  it('treats empty values as absent, like Prometheus', () => {
    expect(relabel([], { a: '', b: 'x' })).toEqual({ b: 'x' });
  });

  it('keeps a label named __proto__ as a label', () => {
    const input = JSON.parse('{"__proto__":"p","a":"1"}') as Labels;
    const out = relabel([{ source_labels: ['a'], target_label: 'b' }], input);
    expect(Object.keys(out!)).toEqual(['__proto__', 'a', 'b']);
  });
});
