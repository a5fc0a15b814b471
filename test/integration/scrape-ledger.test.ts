import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startScrapeLedger, type ScrapeLedger } from '../e2e/support/scrape-ledger.js';
import { socketOwnerPid } from '../e2e/support/socket-owner.js';

/**
 * The scrape targets of the rebalancing tests tell collectors apart by the process that holds the
 * client end of each connection (Linux /proc). Here two real client processes, identical but for
 * their pid, scrape the same target over keep-alive connections.
 */

/** A child process that fetches `url` `times` times over one keep-alive agent, 100 ms apart. */
function scraper(url: string, times: number): ChildProcess {
  const script = `
    const http = require('node:http');
    const agent = new http.Agent({ keepAlive: true });
    let left = ${times};
    const next = () => http.get(${JSON.stringify(url)}, { agent }, (res) => {
      res.resume();
      res.on('end', () => (--left > 0 ? setTimeout(next, 100) : (agent.destroy(), process.exit(0))));
    });
    next();`;
  return spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('scrape ledger', () => {
  let ledger: ScrapeLedger | undefined;
  afterEach(async () => {
    await ledger?.stop();
  });

  it('records each scrape with the process that sent it, over kept-alive connections', async () => {
    const names = new Map<number, string>();
    ledger = await startScrapeLedger(1, async (client, server) => {
      const pid = await socketOwnerPid(client, server, [...names.keys()]);
      return pid === undefined ? `unknown:${client}` : (names.get(pid) ?? 'unnamed');
    });
    const address = ledger.addresses[0]!;
    const a = scraper(`http://${address}/metrics`, 3);
    const b = scraper(`http://${address}/metrics`, 2);
    names.set(a.pid!, 'a');
    names.set(b.pid!, 'b');
    await Promise.all([exited(a), exited(b)]);
    await new Promise((r) => setTimeout(r, 100)); // the last lookups settle
    const counts = new Map<string, number>();
    for (const s of ledger.scrapes(address))
      counts.set(s.scraper, (counts.get(s.scraper) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ a: 3, b: 2 });
  });

  it('names no process when none of the candidates holds the connection', async () => {
    let owner: number | undefined | 'unasked' = 'unasked';
    ledger = await startScrapeLedger(1, async (client, server) => {
      owner = await socketOwnerPid(client, server, [process.pid]); // we hold the server end only
      return 'x';
    });
    const child = scraper(`http://${ledger.addresses[0]!}/metrics`, 1);
    await exited(child);
    await new Promise((r) => setTimeout(r, 100));
    expect(owner).toBeUndefined();
  });
});
