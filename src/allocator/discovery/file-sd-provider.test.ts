import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { createFileSdFactory } from './file-sd-provider.js';
import type { DiscoveryProvider } from './provider.js';
import { RecordingSink, counterValue, testContext, testDeps } from './test-support.js';

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

describe('file_sd_configs', () => {
  let dir: string;
  let provider: DiscoveryProvider | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-sd-'));
  });
  afterEach(async () => {
    await provider?.stop();
    provider = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('ignores unknown group keys in JSON files and rejects them in YAML files, as Prometheus does', async () => {
    writeFileSync(join(dir, 'a.json'), JSON.stringify([{ targets: ['a:1'], comment: 'x' }]));
    writeFileSync(join(dir, 'b.yml'), '- targets: ["b:1"]\n  comment: x\n');
    const deps = testDeps();
    provider = createFileSdFactory(deps)(
      { files: ['a.json', 'b.yml'] },
      testContext({ baseDir: dir }),
    );
    const sink = new RecordingSink();
    await provider.start(sink.sink);
    await sink.waitFor(() => sink.addresses().length === 1);
    expect(sink.addresses()).toEqual(['a:1']);
    expect(await counterValue(deps.metrics, 'discoveryErrors')).toBeGreaterThan(0);
  });

  it('re-reads on changes to its own files, not to other files in their directory', async () => {
    // A log written next to a broken target file re-read it (and logged again) on every line.
    writeFileSync(join(dir, 'a.json'), '[{"targets": ["a:1"]');
    const deps = testDeps();
    provider = createFileSdFactory(deps)(
      { files: ['*.json'], refresh_interval: '1h' },
      testContext({ baseDir: dir }),
    );
    await provider.start(new RecordingSink().sink);
    expect(await counterValue(deps.metrics, 'discoveryErrors')).toBe(1);
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(dir, 'allocator.log'), `line ${i}\n`, { flag: 'a' });
      await new Promise((r) => setTimeout(r, 40));
    }
    expect(await counterValue(deps.metrics, 'discoveryErrors')).toBe(1);
    writeAtomically(join(dir, 'b.json'), '[{"targets": ["b:1"]}]');
    await new Promise((r) => setTimeout(r, 100));
    expect(await counterValue(deps.metrics, 'discoveryErrors')).toBe(2);
  });

  it('reads JSON and YAML files matching a glob, with __meta_filepath and file:index sources', async () => {
    writeFileSync(
      join(dir, 'a.json'),
      JSON.stringify([{ targets: ['a:1', 'a:2'], labels: { env: 'p' } }]),
    );
    writeFileSync(join(dir, 'b.yml'), '- targets: ["b:1"]\n');
    writeFileSync(join(dir, 'ignored.txt'), 'nope');
    const deps = testDeps();
    provider = createFileSdFactory(deps)(
      { files: ['*.json', 'b.yml'] },
      testContext({ baseDir: dir }),
    );
    const sink = new RecordingSink();
    await provider.start(sink.sink);
    expect(sink.addresses()).toEqual(['a:1', 'a:2', 'b:1']);
    const a = sink.bySource.get(`${join(dir, 'a.json')}:0`);
    expect(a?.labels).toEqual({ env: 'p', __meta_filepath: join(dir, 'a.json') });
  });

  it('picks up a changed file through the directory watch, well within a second', async () => {
    const file = join(dir, 'targets.json');
    writeFileSync(file, JSON.stringify([{ targets: ['old:1'] }]));
    provider = createFileSdFactory(testDeps())({ files: [file] }, testContext());
    const sink = new RecordingSink();
    await provider.start(sink.sink);
    const started = Date.now();
    writeAtomically(file, JSON.stringify([{ targets: ['new:1', 'new:2'] }]));
    await sink.waitFor(() => sink.addresses().join() === 'new:1,new:2', 1000);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('keeps the last good targets of a file that becomes invalid, and counts the error', async () => {
    const file = join(dir, 'targets.yaml');
    writeFileSync(file, '- targets: ["good:1"]\n');
    const deps = testDeps();
    provider = createFileSdFactory(deps)({ files: [file] }, testContext());
    const sink = new RecordingSink();
    await provider.start(sink.sink);
    writeAtomically(file, '- targets: [unclosed\n');
    const deadline = Date.now() + 3000;
    while ((await counterValue(deps.metrics, 'discoveryErrors')) === 0) {
      if (Date.now() > deadline) throw new Error('the bad file was not noticed');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(sink.addresses()).toEqual(['good:1']);
    // The unchanged groups are not re-sent: nothing downstream recomputes for a bad file.
    expect(sink.emissions).toHaveLength(1);
    writeAtomically(file, '- targets: ["fixed:1"]\n');
    await sink.waitFor(() => sink.addresses().join() === 'fixed:1');
  });

  it('clears the groups of a deleted file', async () => {
    writeFileSync(join(dir, 'x.json'), JSON.stringify([{ targets: ['x:1'] }]));
    provider = createFileSdFactory(testDeps())(
      { files: ['*.json'] },
      testContext({ baseDir: dir }),
    );
    const sink = new RecordingSink();
    await provider.start(sink.sink);
    expect(sink.addresses()).toEqual(['x:1']);
    rmSync(join(dir, 'x.json'));
    await sink.waitFor(() => sink.addresses().length === 0);
  });

  it.each([
    [{ files: [] }, 'files must list at least one file'],
    [{ files: ['dir*/x.json'] }, 'is not valid for file discovery'],
    [{ files: ['x.txt'] }, 'is not valid for file discovery'],
    [{ files: ['x.json'], refresh_interval: 'often' }, 'invalid duration "often"'],
    [{ files: ['x.json'], refrsh_interval: '1m' }, 'refrsh_interval: unknown key'],
  ])('rejects %j at load', (config, message) => {
    const build = (): unknown => createFileSdFactory(testDeps())(config, testContext());
    expect(build).toThrow(UsageError);
    expect(build).toThrow(message);
  });
});
