import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import {
  freePort,
  GaveUpWaiting,
  waitFor,
  type ManagedProcess,
  type ProcessGroup,
} from './processes.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export interface AllocatorProcessOptions {
  readonly name: string;
  readonly port: number;
  readonly collectorIds: readonly string[];
  /** `scrape_configs` of the allocator's Prometheus config. */
  readonly scrapeConfigs: readonly Record<string, unknown>[];
  readonly allocationStrategy?: string;
  /**
   * `flag` passes the pool as `--collector-ids`; `file` writes it to the config file's
   * `collectors` key, so `setCollectors` can change it while the allocator runs (config reload).
   */
  readonly collectorsIn?: 'flag' | 'file';
}

export interface AllocatorProcess {
  readonly url: string;
  readonly process: ManagedProcess;
  /** Rewrites the config file with a new pool (needs `collectorsIn: 'file'`); the allocator reloads it. */
  setCollectors(ids: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs the real `otel-ta allocator` command from source (node + tsx, as `npx tsx src/cli.ts`
 * would) with a static collector pool, and waits until /readyz answers 200.
 */
export async function startAllocator(
  group: ProcessGroup,
  options: AllocatorProcessOptions,
): Promise<AllocatorProcess> {
  // Its own directory: the allocator watches the config file's directory for changes.
  const configDir = join(group.logDir, `${options.name}-config`);
  await mkdir(configDir, { recursive: true });
  const configFile = join(configDir, 'targetallocator.yaml');
  const inFile = options.collectorsIn === 'file';
  const writeConfig = async (collectorIds: readonly string[]): Promise<void> => {
    const config: Record<string, unknown> = {
      config: { scrape_configs: options.scrapeConfigs },
    };
    if (options.allocationStrategy !== undefined) {
      config.allocation_strategy = options.allocationStrategy;
    }
    if (inFile) config.collectors = collectorIds;
    // Write then rename, so the allocator never reads a half-written file.
    await writeFile(`${configFile}.tmp`, stringify(config));
    await rename(`${configFile}.tmp`, configFile);
  };
  await writeConfig(options.collectorIds);
  const poolFlag = inFile ? [] : ['--collector-ids', options.collectorIds.join(',')];
  const { url, process: proc } = await runAllocator(
    group,
    options.name,
    options.port,
    configFile,
    poolFlag,
  );
  return {
    url,
    process: proc,
    setCollectors: async (ids) => {
      if (!inFile)
        throw new Error(
          `${options.name} takes its pool from a flag; start it with collectorsIn: 'file'`,
        );
      await writeConfig(ids);
    },
    stop: () => proc.stop(),
  };
}

/** A started allocator: its base URL and process. */
export interface RunningAllocator {
  readonly url: string;
  readonly process: ManagedProcess;
}

/**
 * Writes `config` as the allocator's targetallocator.yaml (in a directory of its own under the
 * group's logs) and runs the real `otel-ta allocator` on it, for tests whose config is more than a
 * static pool and scrape configs (Kubernetes discovery, prometheus_cr). Waits for /readyz.
 */
export async function startAllocatorWithConfig(
  group: ProcessGroup,
  name: string,
  config: Record<string, unknown>,
): Promise<RunningAllocator> {
  const dir = join(group.logDir, name);
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'targetallocator.yaml');
  await writeFile(configFile, stringify(config));
  return runAllocator(group, name, await freePort(), configFile, []);
}

/** Runs `otel-ta allocator` from source (node + tsx) on `configFile` and waits until it is ready. */
async function runAllocator(
  group: ProcessGroup,
  name: string,
  port: number,
  configFile: string,
  extraArgs: readonly string[],
): Promise<RunningAllocator> {
  const proc = group.start(
    name,
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'src/cli.ts'),
      'allocator',
      '--config-file',
      configFile,
      '--listen-addr',
      `127.0.0.1:${port}`,
      ...extraArgs,
    ],
    { cwd: REPO_ROOT },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `${name} to be ready`,
    async () => {
      if (proc.child.exitCode !== null) {
        throw new GaveUpWaiting(
          `${name} exited with code ${proc.child.exitCode}; see ${proc.logFile}`,
        );
      }
      return (await fetch(`${url}/readyz`)).ok ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  return { url, process: proc };
}
