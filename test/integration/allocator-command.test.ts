import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');

function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe.concurrent('otel-ta allocator', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'allocator-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 naming the file and the problem when the config file is invalid', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'collectors: [a]\nconfig:\n  scrape_configs:\n    - job_name: x\n      consul_sd_configs: [{server: c}]\n',
    );
    const { code, stderr } = await runCli(['allocator', '--config-file', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(file);
    expect(stderr).toContain('job "x": consul_sd_configs is not a supported service discovery');
  });

  it('exits 2 when the config file does not exist', async () => {
    const { code, stderr } = await runCli([
      'allocator',
      '--config-file',
      join(dir, 'missing.yaml'),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot read config file .*missing\.yaml/);
  });
});
