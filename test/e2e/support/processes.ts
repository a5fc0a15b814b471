import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on `host` (bound, read and released). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Thrown by a `waitFor` probe when waiting longer cannot help (the process died). */
export class GaveUpWaiting extends Error {}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof GaveUpWaiting) throw err;
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
  const detail = lastError instanceof Error ? `: last error ${lastError.message}` : '';
  throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${detail}`);
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  stop(): Promise<void>;
}

/**
 * Every process a test starts, with its output in a log file under one temp dir. `stopAll` ends
 * them (SIGTERM, then SIGKILL); an exit hook kills leftovers if the test runner itself dies.
 */
export class ProcessGroup {
  private readonly processes: ManagedProcess[] = [];
  private readonly exitHook = (): void => {
    for (const p of this.processes) p.child.kill('SIGKILL');
  };

  private constructor(readonly logDir: string) {
    process.once('exit', this.exitHook);
  }

  static async create(prefix: string): Promise<ProcessGroup> {
    return new ProcessGroup(await mkdtemp(join(tmpdir(), `${prefix}-`)));
  }

  start(
    name: string,
    command: string,
    args: readonly string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ): ManagedProcess {
    const logFile = join(this.logDir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        log.end(`\n[${name} exited code=${code} signal=${signal}]\n`);
        resolve();
      });
      child.once('error', (err) => {
        log.end(`\n[${name} failed to start: ${err.message}]\n`);
        resolve();
      });
    });
    const managed: ManagedProcess = {
      name,
      child,
      logFile,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
        const index = this.processes.indexOf(managed);
        if (index >= 0) this.processes.splice(index, 1);
      },
    };
    this.processes.push(managed);
    return managed;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.processes].map((p) => p.stop()));
    process.off('exit', this.exitHook);
  }

  /** The last lines of every log, for a failure message. */
  async tails(lines = 40): Promise<string> {
    const out: string[] = [`logs in ${this.logDir}`];
    for (const file of (await readdir(this.logDir)).sort()) {
      if (!file.endsWith('.log')) continue;
      const text = await readFile(join(this.logDir, file), 'utf8');
      out.push(`----- ${file}`, ...text.split('\n').slice(-lines));
    }
    return out.join('\n');
  }
}
