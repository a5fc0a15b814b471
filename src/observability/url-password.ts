const URL_PASSWORD_PLACEHOLDER = 'xxxxx';

/**
 * A URL's password replaced by `xxxxx`, the way Go's `url.Redacted` (and so Prometheus) prints
 * URLs: `scheme://user:pass@host/...` -> `scheme://user:xxxxx@host/...`; without a scheme the
 * authority starts the text (`user:pass@host:9100` -> `user:xxxxx@host:9100`). Any other string
 * comes back as it is, so it is safe on text that may or may not be a URL (a scrape target, a
 * proxy_url).
 */
export function redactUrlPassword(value: string): string {
  const schemeEnd = value.indexOf('://');
  const authorityStart = schemeEnd < 0 ? 0 : schemeEnd + 3;
  let authorityEnd = value.length;
  for (const delimiter of ['/', '?', '#']) {
    const at = value.indexOf(delimiter, authorityStart);
    if (at >= 0 && at < authorityEnd) authorityEnd = at;
  }
  // As Go parses it: the userinfo ends at the last '@' of the authority, the password starts
  // after its first ':'.
  const userinfoEnd = value.lastIndexOf('@', authorityEnd - 1);
  if (userinfoEnd < authorityStart) return value;
  const colon = value.indexOf(':', authorityStart);
  if (colon < 0 || colon > userinfoEnd) return value;
  return `${value.slice(0, colon + 1)}${URL_PASSWORD_PLACEHOLDER}${value.slice(userinfoEnd)}`;
}
