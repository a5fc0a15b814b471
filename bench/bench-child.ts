/**
 * The server half of a bench in a child process of its own, so the load generator's CPU is not
 * the server's: the parent forks it and asks it questions over IPC (`ready` when it listens, then
 * `cpu`, and `stop` at the end); the child answers through `answerParent`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildMessage {
  readonly type: string;
}

export interface CpuMessage {
  readonly type: 'cpu';
  readonly userUs: number;
  readonly systemUs: number;
}

/** Forks `script` (a .ts file next to the caller, run through tsx) with `env` added. */
export function forkBenchChild(script: URL, env: Record<string, string> = {}): ChildProcess {
  return fork(fileURLToPath(script), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The child's next message of `type`; rejects, naming the child `name`, if it exits first. */
export function waitFor<T extends ChildMessage>(
  child: ChildProcess,
  name: string,
  type: T['type'],
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`${name} exited with ${code}`));
    const onMessage = (m: ChildMessage): void => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Sends `type` to the child and waits for its answer of the same type. */
export function ask<T extends ChildMessage>(
  child: ChildProcess,
  name: string,
  type: T['type'],
): Promise<T> {
  const reply = waitFor<T>(child, name, type);
  child.send(type);
  return reply;
}

/** The CPU time (user + system, microseconds) the child has used so far. */
export async function childCpuUs(child: ChildProcess, name: string): Promise<number> {
  const cpu = await ask<CpuMessage>(child, name, 'cpu');
  return cpu.userUs + cpu.systemUs;
}

/**
 * In the child: answers `cpu`, and whatever `answers` names, to the parent; on `stop`, awaits
 * `stop` and exits.
 */
export function answerParent(
  stop: () => Promise<void>,
  answers: Record<string, () => ChildMessage> = {},
): void {
  const send = (message: ChildMessage): void => {
    process.send?.(message);
  };
  process.on('message', (message: unknown) => {
    if (message === 'cpu') {
      const cpu = process.cpuUsage();
      const answer: CpuMessage = { type: 'cpu', userUs: cpu.user, systemUs: cpu.system };
      send(answer);
    } else if (message === 'stop') {
      void stop().then(() => process.exit(0));
    } else if (typeof message === 'string' && Object.hasOwn(answers, message)) {
      send(answers[message]!());
    }
  });
}
