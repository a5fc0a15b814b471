import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');

describe('otel-ta demo', () => {
  it('serves the embedded example on a free port, prints its URLs and stops cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'demo', '--listen-addr', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      let out = '';
      const base = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /jobs\s+(http:\/\/127\.0\.0\.1:\d+)\/jobs/.exec(out);
          if (match?.[1] !== undefined && out.includes('Ctrl-C')) resolve(match[1]);
        });
        child.on('close', () => reject(new Error(`demo exited early: ${out}`)));
      });
      expect(out).toContain(`${base}/jobs/api/targets?collector_id=collector-0`);
      // The URLs print once the server listens; discovery follows within a second on an idle
      // machine. The wait is generous because CI runs this beside other test files on 2 cores.
      let jobs: Record<string, unknown> = {};
      for (let deadline = Date.now() + 20_000; Date.now() < deadline;) {
        jobs = (await (await fetch(`${base}/jobs`)).json()) as Record<string, unknown>;
        if (Object.keys(jobs).length === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(Object.keys(jobs).sort()).toEqual(['api', 'workers']);
      // The relabel rule keeps only env=demo: 3 of the 4 api targets are allocated.
      const api = (await (await fetch(`${base}/jobs/api/targets`)).json()) as Record<
        string,
        { targets: unknown[] }
      >;
      expect(Object.values(api).reduce((n, c) => n + c.targets.length, 0)).toBe(3);
      expect((await fetch(`${base}/`)).status).toBe(200);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
