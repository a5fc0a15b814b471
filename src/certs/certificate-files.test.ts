import { lstat, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomically } from './certificate-files.js';

describe('writeFileAtomically', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'otel-ta-certfiles-'));
  });

  afterEach(async () => {
    vi.useRealTimers();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes the file with the requested mode, replacing an older one', async () => {
    const path = join(directory, 'tls.key');
    await writeFile(path, 'old', { mode: 0o644 });
    await writeFileAtomically(path, 'new key', 0o600);
    expect(await readFile(path, 'utf8')).toBe('new key');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('never writes a private key through a symlink planted at its temporary name', async () => {
    // Someone who can write to the directory (a shared certs/ checkout, /tmp) plants a link where
    // the temporary file will be created, pointing at a file they can read.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
    const path = join(directory, 'tls.key');
    const readable = join(directory, 'readable-by-others');
    await writeFile(readable, '', { mode: 0o644 });
    await symlink(readable, `${path}.tmp-${process.pid}-${Date.now()}`);

    await expect(writeFileAtomically(path, 'PRIVATE KEY', 0o600)).rejects.toThrow();
    expect(await readFile(readable, 'utf8')).toBe('');
    expect((await stat(readable)).mode & 0o777).toBe(0o644);
    await expect(lstat(path)).rejects.toThrow();
  });
});
