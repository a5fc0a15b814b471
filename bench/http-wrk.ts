import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadOptions, LoadResult } from './http-load.js';

/**
 * Load from `wrk` (C, epoll): on these 2 cores our Node generator costs as much CPU as the server
 * under test, so it, not the server, set the ceiling. A Lua script rotates the request paths over
 * every (job, collector) pair, each connection starting at its own offset, and prints the summary
 * as JSON from wrk's `done` hook.
 */

export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

// Paths are passed in a file (one per line); wrk's Lua states are per thread, so `setup` gives
// each thread its own offset and every request takes the next path of that thread.
const SCRIPT = `
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS_FILE")) do paths[#paths + 1] = line end
local headers = {}
if os.getenv("WRK_GZIP") == "1" then headers["Accept-Encoding"] = "gzip" end
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
local i = 0
function init(args)
  i = (tonumber(offset) or 0) * 7919
end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK_JSON {"requests":%d,"bytes":%d,"duration_us":%d,"errors":%d,"non2xx":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.bytes, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`;

interface WrkJson {
  readonly requests: number;
  readonly bytes: number;
  readonly duration_us: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly p50_us: number;
  readonly p90_us: number;
  readonly p99_us: number;
  readonly max_us: number;
}

function runWrk(args: readonly string[], env: NodeJS.ProcessEnv): Promise<WrkJson> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
      if (code !== 0 || line === undefined) {
        reject(new Error(`wrk exited with ${code}: ${out}`));
        return;
      }
      resolve(JSON.parse(line.slice('WRK_JSON '.length)) as WrkJson);
    });
  });
}

/** Same options and result shape as the Node generator; a warm-up is a separate wrk run. */
export async function runWrkLoad(options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'otel-ta-wrk-'));
  try {
    const script = join(dir, 'rotate.lua');
    const pathsFile = join(dir, 'paths.txt');
    writeFileSync(script, SCRIPT);
    writeFileSync(pathsFile, options.paths.join('\n') + '\n');
    const env = { ...process.env, WRK_PATHS_FILE: pathsFile, WRK_GZIP: options.gzip ? '1' : '0' };
    const url = `http://${options.host}:${options.port}`;
    // One wrk thread: the server has one event loop, and the second core is all the generator gets.
    const base = ['-t1', `-c${options.connections}`, '-s', script, '--timeout', '5s'];
    const seconds = (ms: number): string => `${Math.max(1, Math.round(ms / 1000))}s`;
    if (options.warmupMs > 0) await runWrk([...base, `-d${seconds(options.warmupMs)}`, url], env);
    const r = await runWrk([...base, `-d${seconds(options.durationMs)}`, url], env);
    const s = r.duration_us / 1e6;
    return {
      requests: r.requests,
      errors: r.errors,
      non2xx: r.non2xx,
      bytes: r.bytes,
      seconds: s,
      reqPerS: r.requests / s,
      p50Ms: r.p50_us / 1000,
      p90Ms: r.p90_us / 1000,
      p99Ms: r.p99_us / 1000,
      maxMs: r.max_us / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
