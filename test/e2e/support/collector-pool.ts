import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { ConnectionIdentifier } from './scrape-ledger.js';
import { socketOwnerPid } from './socket-owner.js';
import { GaveUpWaiting, waitFor, type ManagedProcess, type ProcessGroup } from './processes.js';

/** Logged by the collector once every component started. */
const READY_LINE = 'Everything is ready';
/** Logged by the exporter helper when a batch is dropped (the receiver refused it, e.g. 400). */
const EXPORT_FAILED_LINE = 'Exporting failed';

interface Member {
  readonly id: string;
  readonly process: ManagedProcess;
}

/**
 * Real OpenTelemetry Collector processes, one config file for all of them (identical text, as in a
 * StatefulSet); each gets `POD_NAME=<id>` in its environment, as the pod's downward API sets it.
 * Ids can be restarted: a collector's log file keeps every incarnation.
 */
export class CollectorPool {
  private readonly members = new Map<string, Member>();
  /** pid -> collector id, for every process ever started (a pid is not reused within a run). */
  private readonly idsByPid = new Map<number, string>();

  readonly configFile: string;

  constructor(
    private readonly group: ProcessGroup,
    private readonly binary: string,
    name: string,
  ) {
    this.configFile = join(group.logDir, `${name}.otelcol.yaml`);
  }

  /**
   * Writes the one config every collector of the pool runs, before the first start, and checks it
   * with `otelcol validate`: a config the collector refuses fails here with its own message.
   */
  async configure(configText: string): Promise<void> {
    await writeFile(this.configFile, configText);
    try {
      await promisify(execFile)(this.binary, ['validate', '--config', this.configFile], {
        env: { ...globalThis.process.env, POD_NAME: 'validate' },
      });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? String(err);
      throw new Error(`otelcol validate refused ${this.configFile}:\n${stderr}`);
    }
  }

  ids(): string[] {
    return [...this.members.keys()].sort();
  }

  /** Starts the collector and waits until it reports every component started. */
  async start(id: string): Promise<void> {
    if (this.members.has(id)) throw new Error(`collector ${id} is already running`);
    const logOffset = await this.logLength(id);
    const process = this.group.start(id, this.binary, ['--config', this.configFile], {
      env: { ...globalThis.process.env, POD_NAME: id },
    });
    if (process.child.pid !== undefined) this.idsByPid.set(process.child.pid, id);
    this.members.set(id, { id, process });
    await waitFor(
      `collector ${id} to start`,
      async () => {
        if (process.child.exitCode !== null) {
          throw new GaveUpWaiting(
            `collector ${id} exited with code ${process.child.exitCode}; see ${process.logFile}`,
          );
        }
        const text = await readFile(process.logFile, 'utf8');
        return text.slice(logOffset).includes(READY_LINE) ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }

  /** SIGTERM, as the kubelet sends on pod deletion; waits for the exit (SIGKILL after 5 s). */
  async stop(id: string): Promise<void> {
    const member = this.member(id);
    this.members.delete(id);
    await member.process.stop();
  }

  /** SIGKILL: the process dies without shutting down (OOM kill, node lost). */
  async kill(id: string): Promise<void> {
    const member = this.member(id);
    this.members.delete(id);
    const exited = new Promise<void>((resolve) => {
      if (member.process.child.exitCode !== null || member.process.child.signalCode !== null) {
        resolve();
      } else member.process.child.once('exit', () => resolve());
    });
    member.process.child.kill('SIGKILL');
    await exited;
    await member.process.stop(); // forgets it in the process group
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.ids().map((id) => this.stop(id)));
  }

  /** Which collector holds the client end of a scrape connection to one of our targets. */
  readonly identify: ConnectionIdentifier = async (clientPort, serverPort) => {
    const pids = [...this.members.values()]
      .map((m) => m.process.child.pid)
      .filter((pid): pid is number => pid !== undefined);
    const pid = await socketOwnerPid(clientPort, serverPort, pids);
    return pid === undefined ? `unknown:${clientPort}` : (this.idsByPid.get(pid) ?? `pid:${pid}`);
  };

  /** Batches the exporters dropped so far, over every collector ever started (from their logs). */
  async exportFailures(): Promise<number> {
    let count = 0;
    for (const id of new Set(this.idsByPid.values())) {
      const text = await readFile(this.logFile(id), 'utf8').catch(() => '');
      count += text.split(EXPORT_FAILED_LINE).length - 1;
    }
    return count;
  }

  private member(id: string): Member {
    const member = this.members.get(id);
    if (member === undefined) throw new Error(`collector ${id} is not running`);
    return member;
  }

  private logFile(id: string): string {
    return join(this.group.logDir, `${id}.log`);
  }

  private async logLength(id: string): Promise<number> {
    return (await readFile(this.logFile(id), 'utf8').catch(() => '')).length;
  }
}
