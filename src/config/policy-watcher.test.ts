import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/logger.js';
import { PolicyWatcher, type PolicyReloadResult } from './policy-watcher.js';

describe('PolicyWatcher', () => {
  let directory: string;
  let path: string;
  let results: PolicyReloadResult[];
  let watcher: PolicyWatcher;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'otel-ta-policy-'));
    path = join(directory, 'policy.yaml');
    await writeFile(path, 'rules: [{name: first, outOfOrder: warn}]\n');
    results = [];
    watcher = new PolicyWatcher({
      path,
      logger: silentLogger(),
      pollIntervalMs: 60_000,
      debounceMs: 10,
      onReload: (result) => results.push(result),
    });
  });

  afterEach(async () => {
    await watcher.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('loads the policy at start', async () => {
    await watcher.start();
    expect(watcher.current().rules[0]?.name).toBe('first');
    expect(results).toEqual(['success']);
  });

  it('installs a changed valid policy', async () => {
    await watcher.start();
    await writeFile(path, 'rules: [{name: second, outOfOrder: enforce}]\n');
    expect(await watcher.reloadNow()).toBe(true);
    expect(watcher.current().rules[0]).toMatchObject({ name: 'second', outOfOrder: 'enforce' });
  });

  it('keeps the last good policy when the new file is invalid, and counts the failure once', async () => {
    await watcher.start();
    await writeFile(path, 'rules: [{outOfOrder: sometimes}]\n');
    expect(await watcher.reloadNow()).toBe(false);
    expect(await watcher.reloadNow()).toBe(false);
    expect(watcher.current().rules[0]?.name).toBe('first');
    expect(results).toEqual(['success', 'failure']);
  });

  it('keeps the last good policy when the file disappears', async () => {
    await watcher.start();
    await rm(path);
    expect(await watcher.reloadNow()).toBe(false);
    expect(watcher.current().rules[0]?.name).toBe('first');
  });

  it('picks up a change through the directory watch', async () => {
    await watcher.start();
    await writeFile(path, 'rules: [{name: watched}]\n');
    await expect.poll(() => watcher.current().rules[0]?.name, { timeout: 5_000 }).toBe('watched');
  });

  it('refuses to start with an invalid policy, naming the file and the problem', async () => {
    await writeFile(path, 'rules: {not: a list}\n');
    await expect(watcher.start()).rejects.toThrow(/policy\.yaml.*rules: must be a list/);
  });
});
