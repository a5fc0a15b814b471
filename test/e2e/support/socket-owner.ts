import { readFile, readdir, readlink } from 'node:fs/promises';

/**
 * Which process holds the client end of a loopback TCP connection, from Linux's /proc: the
 * connection's row in /proc/net/tcp (local port = the client's port, remote port = ours) gives the
 * socket's inode, and the candidate processes' /proc/<pid>/fd links name the inode they hold.
 *
 * The scrape targets use it to tell which collector scraped them: the collectors run one identical
 * config (same User-Agent, same URL), so nothing in the request itself names the sender.
 */
export async function socketOwnerPid(
  clientPort: number,
  serverPort: number,
  candidatePids: readonly number[],
): Promise<number | undefined> {
  const inode = await loopbackSocketInode(clientPort, serverPort);
  if (inode === undefined) return undefined;
  const link = `socket:[${inode}]`;
  for (const pid of candidatePids) {
    if (await holdsLink(pid, link)) return pid;
  }
  return undefined;
}

/** The inode of the socket whose local port is `localPort` and remote port `remotePort`. */
async function loopbackSocketInode(
  localPort: number,
  remotePort: number,
): Promise<string | undefined> {
  const local = `:${hexPort(localPort)}`;
  const remote = `:${hexPort(remotePort)}`;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      if (fields[1]!.endsWith(local) && fields[2]!.endsWith(remote) && fields[9] !== '0') {
        return fields[9];
      }
    }
  }
  return undefined;
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

async function holdsLink(pid: number, link: string): Promise<boolean> {
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return false; // the process has exited
  }
  for (const fd of fds) {
    try {
      if ((await readlink(`/proc/${pid}/fd/${fd}`)) === link) return true;
    } catch {
      // closed between readdir and readlink
    }
  }
  return false;
}
