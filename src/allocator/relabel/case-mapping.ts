/**
 * Go's `strings.ToLower`/`ToUpper`, which Prometheus's lowercase/uppercase actions use, map each
 * code point on its own with Unicode's simple case mapping. JS's `toLowerCase`/`toUpperCase` use
 * the full mapping (`ß` -> `SS`, `İ` -> `i̇`, final sigma): identical for ASCII, so only non-ASCII
 * input takes the per-code-point path, where a multi-code-point JS result is replaced by the simple
 * mapping (SpecialCasing.txt lists the few code points concerned).
 */
const NON_ASCII = /[\u0080-\uffff]/;

export function goToLower(value: string): string {
  if (!NON_ASCII.test(value)) return value.toLowerCase();
  let out = '';
  for (const ch of value) {
    const lower = ch.toLowerCase();
    // Only U+0130 (İ) has a multi-code-point full lowercase; its simple lowercase is `i`.
    out += [...lower].length === 1 ? lower : ch === '\u0130' ? 'i' : ch;
  }
  return out;
}

/** Simple uppercase for the Greek letters with ypogegrammeni, whose full uppercase is two code points. */
function simpleUpperOfIotaSubscript(cp: number): number | undefined {
  if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97)) return cp + 8;
  if (cp >= 0x1fa0 && cp <= 0x1fa7) return cp + 8;
  if (cp === 0x1fb3) return 0x1fbc;
  if (cp === 0x1fc3) return 0x1fcc;
  if (cp === 0x1ff3) return 0x1ffc;
  return undefined;
}

export function goToUpper(value: string): string {
  if (!NON_ASCII.test(value)) return value.toUpperCase();
  let out = '';
  for (const ch of value) {
    const upper = ch.toUpperCase();
    if ([...upper].length === 1) {
      out += upper;
      continue;
    }
    // No simple uppercase exists for the other multi-code-point cases (ß, ŉ, ligatures, ...).
    const simple = simpleUpperOfIotaSubscript(ch.codePointAt(0)!);
    out += simple === undefined ? ch : String.fromCodePoint(simple);
  }
  return out;
}
