import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { waitFor, type ManagedProcess, type ProcessGroup } from './processes.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export interface AllocatorProcessOptions {
  readonly name: string;
  readonly port: number;
  readonly collectorIds: readonly string[];
  /** `scrape_configs` of the allocator's Prometheus config. */
  readonly scrapeConfigs: readonly Record<string, unknown>[];
  readonly allocationStrategy?: string;
}

export interface AllocatorProcess {
  readonly url: string;
  readonly process: ManagedProcess;
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
  const configFile = join(group.logDir, `${options.name}.yaml`);
  const config: Record<string, unknown> = {
    config: { scrape_configs: options.scrapeConfigs },
  };
  if (options.allocationStrategy !== undefined) {
    config.allocation_strategy = options.allocationStrategy;
  }
  await writeFile(configFile, stringify(config));
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
      '--collector-ids',
      options.collectorIds.join(','),
    ],
    { cwd: REPO_ROOT },
  );
  const url = `http://127.0.0.1:${options.port}`;
  await waitFor(
    `${options.name} to be ready`,
    async () => {
      if (proc.child.exitCode !== null) {
        throw new Error(`${options.name} exited with code ${proc.child.exitCode}`);
      }
      return (await fetch(`${url}/readyz`)).ok ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  return { url, process: proc, stop: () => proc.stop() };
}
