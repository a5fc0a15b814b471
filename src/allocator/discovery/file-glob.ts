import RE2 from 're2';

/** Tests a file name against a file_sd glob. */
export interface FileNameMatcher {
  test(name: string): boolean;
}

/**
 * A file_sd glob (`*` and `?` within one path element, as Prometheus's filepath.Glob) as a
 * matcher. The glob comes from a user's scrape config, so it runs on RE2, in time linear in the
 * name: a glob such as `a*a*a*a*a*a*a*b.json` made V8's backtracking engine take exponential time
 * over a long file name, stalling the allocator's event loop on every directory change.
 */
export function fileGlobMatcher(glob: string): FileNameMatcher {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RE2(`^${source}$`, 'u');
}
