/**
 * The otel-ta processes of the local cluster (webhook, controller), run from the working tree through
 * tsx exactly as `otel-ta <command>` runs, each logging to its own file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface OtelTaProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Undefined while running; the exit code or signal name afterwards. */
  exitStatus(): string | undefined;
  /** SIGTERM, then SIGKILL after the grace period. Idempotent. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 10_000;
const LOG_TAIL_LINES = 30;

/**
 * Starts `node --import tsx src/cli.ts <args>` in the repository. Detached processes get their own
 * process group and outlive this Node process (cluster:up); attached ones are killed when it exits.
 */
export function startOtelTa(
  repoRoot: string,
  name: string,
  args: readonly string[],
  logDir: string,
  detached: boolean,
): OtelTaProcess {
  return startOtelTaProcess(repoRoot, name, args, { logDir, detached });
}

export interface OtelTaProcessOptions {
  readonly logDir: string;
  readonly detached: boolean;
  /** Added to this process's environment (e.g. what a pod's downward API would set). */
  readonly env?: Readonly<Record<string, string>>;
}

/** startOtelTa with options, e.g. an environment. */
export function startOtelTaProcess(
  repoRoot: string,
  name: string,
  args: readonly string[],
  { logDir, detached, env = {} }: OtelTaProcessOptions,
): OtelTaProcess {
  const logPath = join(logDir, `${name}.log`);
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
    detached,
  });
  closeSync(log);
  let status: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      status = `spawn failed: ${err.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      status = String(code ?? signal ?? 'unknown');
      attached.delete(child);
      resolve();
    });
  });
  if (child.pid === undefined) throw new Error(`local cluster: could not start ${name}`);
  if (detached) child.unref();
  else trackAttached(child);
  const pid = child.pid;
  let stopping: Promise<void> | undefined;
  return {
    name,
    pid,
    logPath,
    exitStatus: () => status,
    stop: () => {
      stopping ??= (async (): Promise<void> => {
        if (status !== undefined) return;
        child.kill('SIGTERM');
        const graceful = await Promise.race([exited.then(() => true), delay(STOP_GRACE_MS)]);
        if (graceful !== true) {
          child.kill('SIGKILL');
          await exited;
        }
      })();
      return stopping;
    },
  };
}

const attached = new Set<ChildProcess>();
let exitHandlerInstalled = false;

/** A test run that ends without stop() must not leave webhooks and controllers behind. */
function trackAttached(child: ChildProcess): void {
  attached.add(child);
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.once('exit', () => {
    for (const c of attached) c.kill('SIGKILL');
  });
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process recorded by pid in an earlier run (cluster:down): SIGTERM, then SIGKILL. */
export async function stopPid(pid: number): Promise<void> {
  if (!isRunning(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return;
    await delay(100);
  }
  if (isRunning(pid)) process.kill(pid, 'SIGKILL');
}

/** Polls until ready() holds; fails early with the log's tail if the process exits. */
export async function waitForProcess(
  proc: OtelTaProcess,
  what: string,
  timeoutMs: number,
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = proc.exitStatus();
    if (status !== undefined) {
      throw new Error(
        `local cluster: ${proc.name} exited (${status}) before ${what}; last lines of ${proc.logPath}:\n${await tail(proc.logPath)}`,
      );
    }
    if (await ready().catch(() => false)) return;
    await delay(200);
  }
  throw new Error(
    `local cluster: ${what} not reached after ${timeoutMs / 1000}s; last lines of ${proc.logPath}:\n${await tail(proc.logPath)}`,
  );
}

export async function tail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
}

/** GET over HTTPS trusting only `ca`; resolves with the status code. */
export function httpsStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, agent: false, timeout: 3_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
