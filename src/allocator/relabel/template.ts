/**
 * Replacement templates with Go's `regexp.Expand` semantics, which Prometheus uses for
 * `replacement` and `target_label`: `$1`, `${1}`, `$name`, `${name}`, `$$` for a literal `$`.
 * A reference takes the longest run of letters, digits and `_`, so `$1x` names the group `1x`
 * (usually absent, hence empty) while `${1}x` is group 1 followed by `x`. A malformed reference
 * (`$` followed by nothing usable, or `${` without `}`) is kept as literal text.
 */

/** What a match provides to expansion: numbered groups and, when the regex has any, named ones. */
export interface MatchGroups {
  readonly [index: number]: string | undefined;
  readonly length: number;
  readonly groups?: Readonly<Record<string, string | undefined>> | undefined;
}

type Part = string | { readonly index: number } | { readonly name: string };

export interface Template {
  /** The template has no references: expansion always yields `literal`. */
  readonly literal: string | undefined;
  expand(match: MatchGroups): string;
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

interface Reference {
  readonly part: Part;
  readonly end: number;
}

function parseReference(template: string, start: number): Reference | undefined {
  let i = start;
  const brace = template[i] === '{';
  if (brace) i++;
  const nameStart = i;
  while (i < template.length) {
    const cp = template.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  if (i === nameStart) return undefined;
  const name = template.slice(nameStart, i);
  if (brace) {
    if (template[i] !== '}') return undefined;
    i++;
  }
  // Go treats an all-digit name as a group number, unless it has a leading zero or is huge.
  const numeric = /^[0-9]+$/.test(name) && !(name.length > 1 && name.startsWith('0'));
  const index = numeric && name.length <= 9 ? Number(name) : -1;
  return { part: index >= 0 ? { index } : { name }, end: i };
}

function parseTemplate(template: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) {
      text += template.slice(i);
      break;
    }
    text += template.slice(i, dollar);
    if (template[dollar + 1] === '$') {
      text += '$';
      i = dollar + 2;
      continue;
    }
    const ref = parseReference(template, dollar + 1);
    if (ref === undefined) {
      text += '$';
      i = dollar + 1;
      continue;
    }
    if (text !== '') parts.push(text);
    text = '';
    parts.push(ref.part);
    i = ref.end;
  }
  if (text !== '' || parts.length === 0) parts.push(text);
  return parts;
}

function partValue(part: Part, match: MatchGroups): string {
  if (typeof part === 'string') return part;
  if ('index' in part) return part.index < match.length ? (match[part.index] ?? '') : '';
  return match.groups?.[part.name] ?? '';
}

export function compileTemplate(template: string): Template {
  const parts = parseTemplate(template);
  const only = parts.length === 1 ? parts[0] : undefined;
  if (typeof only === 'string') {
    return { literal: only, expand: () => only };
  }
  if (only !== undefined) {
    return { literal: undefined, expand: (match) => partValue(only, match) };
  }
  return {
    literal: undefined,
    expand(match: MatchGroups): string {
      let out = '';
      for (const part of parts) out += partValue(part, match);
      return out;
    },
  };
}
