import { isRecord } from './json-value.js';
import type { YamlLayout } from './yaml-format.js';

/**
 * Writes a new `key: value` entry in block style, byte for byte as the `yaml` package's
 * `stringify` does with the same layout, for the values that need no quoting decisions: maps,
 * lists, integers, booleans, null and strings that read back as themselves when written plain
 * (URLs, durations, `${env:...}`). Undefined for anything else, which the caller gives to
 * `stringify`. The rewrite adds one small entry per scrape job, and `stringify` costs ~60 us per
 * call (it builds a document of nodes first).
 */
export function writePlainEntry(
  key: string,
  value: unknown,
  layout: YamlLayout,
): string | undefined {
  if (layout.indent !== 2 || layout.flowCollectionPadding) return undefined;
  const out: string[] = [];
  return writeEntry(key, value, '', layout.indentSeq, out) ? out.join('') : undefined;
}

/**
 * Strings written plain: a letter, digit, `/` or `$` first, then no space, quote or `:` at the
 * end; and nothing a YAML 1.1 or 1.2 reader takes for a number, a boolean or null (`30s` is a
 * string, `30`, `1e3`, `0x1F`, `1_000` and `12:30` are not written here).
 */
const PLAIN = /^[A-Za-z0-9/$][\w/.$:{}?=&%+@~,()*-]*$/;
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n)$/i;
const NUMBER_LIKE = /^(?:[0-9][0-9_]*(?:[.:][0-9_]*)*(?:[eE][-+]?[0-9]+)?|0[xob].*)$/i;

function plainString(value: string): boolean {
  return (
    PLAIN.test(value) && !value.endsWith(':') && !RESERVED.test(value) && !NUMBER_LIKE.test(value)
  );
}

function scalar(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : undefined;
  }
  if (typeof value === 'string') return plainString(value) ? value : undefined;
  return undefined;
}

/** `key: value` at `indent`; false when something in it is not written here. */
function writeEntry(
  key: string,
  value: unknown,
  indent: string,
  indentSeq: boolean,
  out: string[],
): boolean {
  if (!plainString(key)) return false;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push(`${indent}${key}: []\n`);
      return true;
    }
    out.push(`${indent}${key}:\n`);
    return writeItems(value, indentSeq ? `${indent}  ` : indent, indentSeq, out);
  }
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) {
      out.push(`${indent}${key}: {}\n`);
      return true;
    }
    out.push(`${indent}${key}:\n`);
    return keys.every((child) => writeEntry(child, value[child], `${indent}  `, indentSeq, out));
  }
  const text = scalar(value);
  if (text === undefined) return false;
  out.push(`${indent}${key}: ${text}\n`);
  return true;
}

/** `- item` lines at `indent`; a map item's first entry shares the dash's line. */
function writeItems(items: unknown[], indent: string, indentSeq: boolean, out: string[]): boolean {
  for (const item of items) {
    if (isRecord(item) && Object.keys(item).length > 0) {
      const lines: string[] = [];
      const keys = Object.keys(item);
      const inner = `${indent}  `;
      if (!keys.every((key) => writeEntry(key, item[key], inner, indentSeq, lines))) return false;
      // The first entry moves up beside the dash: `- key: ...`.
      const [first, ...rest] = lines.join('').split('\n');
      out.push(`${indent}- ${first!.slice(inner.length)}\n`, rest.join('\n'));
      continue;
    }
    const text = scalar(item);
    if (text === undefined) return false;
    out.push(`${indent}- ${text}\n`);
  }
  return true;
}
