import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, GaveUpWaiting, waitFor, type ProcessGroup } from './processes.js';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';

export interface PrometheusOptions {
  readonly name: string;
  /** The whole prometheus.yml, as an object. */
  readonly config: Record<string, unknown>;
  /** Agent mode (`--enable-feature=agent`): scrape and remote-write only. */
  readonly agent?: boolean;
  /** Accept remote writes at /api/v1/write. */
  readonly remoteWriteReceiver?: boolean;
}

export interface ActiveTarget {
  readonly job: string;
  readonly instance: string;
  readonly health: string;
  readonly lastError: string;
}

export interface PrometheusInstance {
  readonly name: string;
  readonly url: string;
  activeTargets(): Promise<ActiveTarget[]>;
  /** An instant query; returns [labels, value] per series. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  /** The sum of a metric's series on its own /metrics page whose labels contain every filter; 0 when absent. */
  selfMetric(name: string, labelFilters?: readonly string[]): Promise<number>;
  stop(): Promise<void>;
}

interface ApiResponse<T> {
  status: string;
  data: T;
  error?: string;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = (await res.json()) as ApiResponse<T>;
  if (body.status !== 'success') throw new Error(`${url}: ${body.error ?? res.status}`);
  return body.data;
}

/** Starts a real Prometheus (Debian's 2.42) with its own config, port and storage dir. */
export async function startPrometheus(
  group: ProcessGroup,
  options: PrometheusOptions,
): Promise<PrometheusInstance> {
  const dir = join(group.logDir, options.name);
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, stringify(options.config));
  const port = await freePort();
  const args = [
    `--config.file=${configFile}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=info',
  ];
  if (options.agent === true) {
    args.push('--enable-feature=agent', `--storage.agent.path=${join(dir, 'agent')}`);
  } else {
    args.push(`--storage.tsdb.path=${join(dir, 'data')}`);
  }
  if (options.remoteWriteReceiver === true) args.push('--web.enable-remote-write-receiver');
  const proc = group.start(options.name, PROMETHEUS_BINARY, args);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `${options.name} to be ready`,
    async () => {
      if (proc.child.exitCode !== null) {
        throw new GaveUpWaiting(
          `${options.name} exited with code ${proc.child.exitCode}; see ${proc.logFile}`,
        );
      }
      return (await fetch(`${url}/-/ready`)).ok ? true : undefined;
    },
    { timeoutMs: 30_000 },
  );
  return {
    name: options.name,
    url,
    activeTargets: async () => {
      const data = await getJson<{
        activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }>;
      }>(`${url}/api/v1/targets?state=active`);
      return data.activeTargets.map((t) => ({
        job: t.labels.job ?? '',
        instance: t.labels.instance ?? '',
        health: t.health,
        lastError: t.lastError,
      }));
    },
    query: async (promql) => {
      const data = await getJson<{
        result: Array<{ metric: Record<string, string>; value: [number, string] }>;
      }>(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    selfMetric: async (name, labelFilters = []) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name)) continue;
        const rest = line.slice(name.length);
        if (!(rest.startsWith(' ') || rest.startsWith('{'))) continue;
        if (!labelFilters.every((f) => rest.includes(f))) continue;
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return sum;
    },
    stop: () => proc.stop(),
  };
}
