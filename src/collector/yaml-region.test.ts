import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig, renderConfig } from './config-document.js';
import { cloneJson, type JsonObject } from './json-value.js';
import { entryText, findEditRegion, spliceEntry } from './yaml-region.js';

const CONFIG = `# top comment
receivers:
  otlp:   {protocols: {grpc: {}}}   # odd spacing kept as written
  prometheus:
    config:
      global: {scrape_interval: 1m}
      scrape_configs:
      - job_name: 'a'
        static_configs:
        - targets: [ 'x:1' ]

      # the next job
      - job_name: "b"
        static_configs: [{targets: ['y:2']}]
# between sections
exporters:
  debug:   {}
`;

function values(text: string): { before: JsonObject; next: JsonObject } {
  const before = load(text) as JsonObject;
  const next = cloneJson(before);
  const config = (next.receivers as JsonObject).prometheus as JsonObject;
  const jobs = (config.config as JsonObject).scrape_configs as JsonObject[];
  for (const job of jobs) {
    delete job.static_configs;
    job.http_sd_configs = [{ url: `http://ta/jobs/${String(job.job_name)}/targets` }];
  }
  return { before, next };
}

describe('findEditRegion', () => {
  it('finds the deepest entry holding every change, its flush sequence included', () => {
    const { before, next } = values(CONFIG);
    const region = findEditRegion(CONFIG, before, next);
    expect(region).toMatchObject({ key: 'scrape_configs', indent: 6 });
    const slice = CONFIG.slice(region!.start, region!.end);
    expect(slice.startsWith('      scrape_configs:\n      - job_name:')).toBe(true);
    // The shallower comment and the next top-level key are left out.
    expect(slice.endsWith("static_configs: [{targets: ['y:2']}]\n")).toBe(true);
    const prometheus = (before.receivers as JsonObject).prometheus as JsonObject;
    expect(region!.before).toEqual((prometheus.config as JsonObject).scrape_configs);
  });

  it('finds quoted keys, and a last entry without a final newline', () => {
    const text = `a: 1\n"b":\n  c: 2`;
    const region = findEditRegion(text, { a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 } });
    expect(region).toMatchObject({ key: 'c', start: text.indexOf('  c'), end: text.length });
  });

  it('gives no region when more than one top-level key changes, or for directives and markers', () => {
    const { before, next } = values(CONFIG);
    expect(findEditRegion(CONFIG, before, { ...next, exporters: {} })).toBeUndefined();
    expect(findEditRegion(`---\n${CONFIG}`, before, next)).toBeUndefined();
    expect(findEditRegion(`%YAML 1.2\n---\n${CONFIG}`, before, next)).toBeUndefined();
  });

  it('stops at a flow mapping, whose entries have no lines of their own', () => {
    const text = 'a: {b: 1, c: 2}\nd: 3\n';
    expect(
      findEditRegion(text, { a: { b: 1, c: 2 }, d: 3 }, { a: { b: 1, c: 5 }, d: 3 }),
    ).toMatchObject({
      key: 'a',
      start: 0,
      end: text.indexOf('d:'),
    });
  });
});

describe('entryText and spliceEntry', () => {
  it('move an entry to column 0 and back without changing a byte', () => {
    const { before, next } = values(CONFIG);
    const region = findEditRegion(CONFIG, before, next)!;
    const entry = entryText(CONFIG, region);
    expect(entry.startsWith('scrape_configs:\n- job_name:')).toBe(true);
    expect(spliceEntry(CONFIG, region, entry)).toBe(CONFIG);
  });
});

describe('renderConfig with a located entry', () => {
  it('rewrites only that entry; every other byte of the text stays as written', () => {
    const { next } = values(CONFIG);
    const edited = renderConfig(parseConfig({ kind: 'string', text: CONFIG }), next);
    expect(edited.warnings).toEqual([]);
    const text = edited.config as string;
    expect(load(text)).toEqual(next);
    const start = CONFIG.indexOf('      scrape_configs:');
    const tail = CONFIG.slice(CONFIG.indexOf('# between sections'));
    expect(text.startsWith(CONFIG.slice(0, start))).toBe(true);
    expect(text.endsWith(tail)).toBe(true);
    expect(text).toContain('# the next job');
  });

  it('edits the whole document when no entry can be located, with the same values', () => {
    const text = `receivers: {prometheus: {config: {scrape_configs: [{job_name: a, static_configs: [{targets: ['x:1']}]}]}}}\n`;
    const { next } = values(text);
    const edited = renderConfig(parseConfig({ kind: 'string', text }), next);
    expect(load(edited.config as string)).toEqual(next);
  });
});
