/**
 * The webhook benchmark's load from vegeta (github.com/tsenart/vegeta), the standard constant-rate
 * HTTP load tool: a Go program, so its pacing is exact and its garbage collection runs beside
 * the requests instead of stopping them; our Node client's timer granularity and pauses counted
 * as the webhook's latency. Built once into ~/.cache/otel-ta/tools through the Go module proxy
 * (OTEL_TA_CACHE moves the cache, as for the control plane).
 */
import { execFile, spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const VEGETA_MODULE = 'github.com/tsenart/vegeta/v12@v12.13.0';

export interface VegetaTarget {
  readonly uid: string;
  readonly body: string;
}

export interface VegetaRun {
  readonly url: string;
  readonly caFile: string;
  readonly rate: number;
  /** The measured part; the attack runs `warmUpSeconds` longer first, at the same rate. */
  readonly seconds: number;
  /**
   * Sent first and left out of the figures: vegeta opens its connections (a TLS handshake each
   * on the webhook's thread) in its first moments, which an API server holding its connections
   * open pays once, not once per run.
   */
  readonly warmUpSeconds?: number;
  /** Sent in turn (vegeta cycles through them); one target per request gives each its own body. */
  readonly targets: readonly VegetaTarget[];
  /**
   * Bytes of each answer vegeta keeps for the check (undefined: all). Keeping 110 KB answers at
   * 500 req/s costs vegeta more CPU than the webhook spends on them, on the same 2 cores.
   */
  readonly keptBodyBytes?: number;
}

export interface VegetaResult {
  /** Requests of the measured part. */
  readonly requests: number;
  /** Requests sent in all, the warm-up included. */
  readonly sent: number;
  /** Requests over the time from the first send to the last answer. */
  readonly achievedRate: number;
  readonly durationSeconds: number;
  /** Per measured request, from the moment vegeta sent it to the end of its answer, in ms. */
  readonly latenciesMs: number[];
  /** Failed answers of every request sent, the warm-up included. */
  readonly errors: number;
  readonly firstError?: string;
  /** CPU time vegeta spent per request sent (user + system, from the shell's `times`). */
  readonly clientCpuMsPerRequest: number;
}

/** When the measured part starts and when the load is over (before results are read and checked). */
export interface AttackHooks {
  readonly onMeasuring?: () => void;
  readonly onLoadEnd?: () => void;
}

/** Checks one answer: undefined when it is right, else what is wrong. */
export type AnswerCheck = (status: number, body: string, index: number) => string | undefined;

const run = promisify(execFile);

/** The vegeta binary: found in the cache, or built there now; undefined without Go. */
export async function findVegeta(): Promise<string | undefined> {
  const dir = join(process.env.OTEL_TA_CACHE ?? join(homedir(), '.cache', 'otel-ta'), 'tools');
  const binary = join(dir, 'vegeta');
  try {
    await access(binary);
    return binary;
  } catch {
    // Not built yet.
  }
  try {
    await mkdir(dir, { recursive: true });
    process.stderr.write(`bench:webhook: building ${VEGETA_MODULE} into ${dir}\n`);
    await run('go', ['install', VEGETA_MODULE], {
      env: { ...process.env, GOBIN: dir },
      maxBuffer: 16 * 1024 * 1024,
    });
    await access(binary);
    return binary;
  } catch (err) {
    process.stderr.write(`bench:webhook: no vegeta (${String(err).split('\n')[0]})\n`);
    return undefined;
  }
}

interface EncodedResult {
  readonly seq: number;
  readonly code: number;
  readonly timestamp: string;
  readonly latency: number;
  readonly error: string;
  readonly body: string;
}

/** One constant-rate attack over keep-alive HTTP/1.1 TLS connections, as the API server sends. */
export async function attack(
  vegeta: string,
  plan: VegetaRun,
  check: AnswerCheck,
  hooks: AttackHooks = {},
): Promise<VegetaResult> {
  const dir = await mkdtemp(join(tmpdir(), 'otel-ta-vegeta-'));
  try {
    const targetsFile = join(dir, 'targets.json');
    const resultsFile = join(dir, 'results.bin');
    const url = `${plan.url}/mutate`;
    const warmUpSeconds = plan.warmUpSeconds ?? 0;
    const header = { 'Content-Type': ['application/json'] };
    await writeFile(
      targetsFile,
      plan.targets
        .map(({ body }) =>
          JSON.stringify({
            method: 'POST',
            url,
            header,
            body: Buffer.from(body).toString('base64'),
          }),
        )
        .join('\n') + '\n', // vegeta reads a target per line, each ended by a newline
    );
    const args = [
      'attack',
      '-format=json',
      `-targets=${targetsFile}`,
      `-rate=${plan.rate}/s`,
      `-duration=${plan.seconds + warmUpSeconds}s`,
      `-root-certs=${plan.caFile}`,
      // The API server's webhook client keeps connections open and speaks HTTP/1.1 to a server
      // without h2 (ours offers none); the flags say so rather than rely on defaults.
      '-keepalive=true',
      '-http2=false',
      '-timeout=10s',
      `-max-body=${plan.keptBodyBytes ?? -1}`,
      `-output=${resultsFile}`,
    ];
    const measuring = setTimeout(() => hooks.onMeasuring?.(), warmUpSeconds * 1000);
    const clientCpuMs = await runMeasured(vegeta, args).finally(() => clearTimeout(measuring));
    hooks.onLoadEnd?.();
    const { stdout } = await run(vegeta, ['encode', '-to=json', resultsFile], {
      maxBuffer: 1024 * 1024 * 1024,
    });
    return summarise(stdout, clientCpuMs, check, Math.round(plan.rate * warmUpSeconds));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs vegeta under bash so that `times` reports the CPU its child used; returns that in ms. */
async function runMeasured(vegeta: string, args: string[]): Promise<number> {
  const child = spawn(
    'bash',
    ['-c', '"$@" >&2; status=$?; times; exit $status', 'bash', vegeta, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`vegeta attack exited with ${code}: ${stderr.slice(0, 500)}`);
  // `times` prints the shell's own user/system times, then its children's: "0m1.234s 0m0.567s".
  const children = stdout.trim().split('\n')[1] ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(
    (match) => Number(match[1]) * 60 + Number(match[2]),
  );
  return seconds.reduce((sum, value) => sum + value, 0) * 1000;
}

/** Requests numbered below `warmUpRequests` (vegeta's `seq`, in sending order) are not measured. */
function summarise(
  encoded: string,
  clientCpuMs: number,
  check: AnswerCheck,
  warmUpRequests: number,
): VegetaResult {
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let firstSent = Infinity;
  let lastDone = -Infinity;
  let index = 0;
  for (const line of encoded.split('\n')) {
    if (line === '') continue;
    const result = JSON.parse(line) as EncodedResult;
    if (result.seq >= warmUpRequests) {
      const sentMs = Date.parse(result.timestamp);
      const latencyMs = result.latency / 1e6;
      firstSent = Math.min(firstSent, sentMs);
      lastDone = Math.max(lastDone, sentMs + latencyMs);
      latenciesMs.push(latencyMs);
    }
    const body = Buffer.from(result.body ?? '', 'base64').toString('utf8');
    const problem = result.error !== '' ? result.error : check(result.code, body, index);
    if (problem !== undefined) {
      errors += 1;
      firstError ??= `status ${result.code}: ${problem} ${body.slice(0, 200)}`;
    }
    index += 1;
  }
  const seconds = Math.max(1e-3, (lastDone - firstSent) / 1000);
  return {
    requests: latenciesMs.length,
    sent: index,
    achievedRate: latenciesMs.length / seconds,
    durationSeconds: seconds,
    latenciesMs,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    clientCpuMsPerRequest: clientCpuMs / Math.max(1, index),
  };
}
