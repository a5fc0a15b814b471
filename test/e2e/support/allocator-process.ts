import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { GaveUpWaiting, waitFor, type ManagedProcess, type ProcessGroup } from './processes.js';

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
  const proc = group.start(
    options.name,
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'src/cli.ts'),
      'allocator',
      '--config-file',
      configFile,
      '--listen-addr',
      `127.0.0.1:${options.port}`,
      ...poolFlag,
    ],
    { cwd: REPO_ROOT },
  );
  const url = `http://127.0.0.1:${options.port}`;
  await waitFor(
    `${options.name} to be ready`,
    async () => {
      if (proc.child.exitCode !== null) {
        throw new GaveUpWaiting(
          `${options.name} exited with code ${proc.child.exitCode}; see ${proc.logFile}`,
        );
      }
      return (await fetch(`${url}/readyz`)).ok ? true : undefined;
    },
    { timeoutMs: 60_000 },
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
