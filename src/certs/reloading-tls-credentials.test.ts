import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/logger.js';
import {
  createCertificateAuthority,
  issueServingCertificate,
  type CertificateKeyPair,
} from './certificate-authority.js';
import { writeCertificateFiles } from './certificate-files.js';
import { ReloadingTlsCredentials, type ReloadResult } from './reloading-tls-credentials.js';

describe('ReloadingTlsCredentials', () => {
  let ca: CertificateKeyPair;
  let first: CertificateKeyPair;
  let second: CertificateKeyPair;
  let directory: string;
  let results: ReloadResult[];
  let credentials: ReloadingTlsCredentials;

  beforeAll(() => {
    ca = createCertificateAuthority({ commonName: 'test-ca', validityDays: 1 });
    first = issueServingCertificate(ca, { dnsNames: ['localhost'], validityDays: 1 });
    second = issueServingCertificate(ca, { dnsNames: ['localhost'], validityDays: 1 });
  });

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'otel-ta-tls-'));
    await writeCertificateFiles(directory, ca, first);
    results = [];
    credentials = new ReloadingTlsCredentials({
      certFile: join(directory, 'tls.crt'),
      keyFile: join(directory, 'tls.key'),
      logger: silentLogger(),
      pollIntervalMs: 60_000,
      debounceMs: 10,
      watch: false,
      onReload: (result) => results.push(result),
    });
  });

  afterEach(async () => {
    await credentials.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes the key readable by its owner only', async () => {
    expect((await stat(join(directory, 'tls.key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(directory, 'ca.crt'), 'utf8')).toBe(ca.certPem);
  });

  it('installs a new matching pair and tells its listeners', async () => {
    await credentials.start();
    const seen: string[] = [];
    credentials.onChange((pair) => seen.push(pair.cert));
    await writeCertificateFiles(directory, ca, second);
    expect(await credentials.reloadNow()).toBe(true);
    expect(credentials.current().cert).toBe(second.certPem);
    expect(seen).toEqual([second.certPem]);
    expect(results).toEqual(['success']);
  });

  it('keeps the current pair when only the certificate has been replaced so far', async () => {
    await credentials.start();
    await writeFile(join(directory, 'tls.crt'), second.certPem);
    expect(await credentials.reloadNow()).toBe(false);
    expect(await credentials.reloadNow()).toBe(false);
    expect(credentials.current().cert).toBe(first.certPem);
    expect(results).toEqual(['failure']);
    await writeFile(join(directory, 'tls.key'), second.keyPem);
    expect(await credentials.reloadNow()).toBe(true);
    expect(credentials.current().key).toBe(second.keyPem);
  });

  it('keeps the current pair when a file is truncated or missing', async () => {
    await credentials.start();
    await writeFile(join(directory, 'tls.key'), second.keyPem.slice(0, 100));
    expect(await credentials.reloadNow()).toBe(false);
    await rm(join(directory, 'tls.crt'));
    expect(await credentials.reloadNow()).toBe(false);
    expect(credentials.current().cert).toBe(first.certPem);
    expect(results).toEqual(['failure', 'failure']);
  });

  it('keeps the current pair when the replacement has already expired (an old Secret restored)', async () => {
    await credentials.start();
    const expired = issueServingCertificate(ca, {
      dnsNames: ['localhost'],
      validityDays: 1,
      now: new Date(Date.now() - 3 * 24 * 60 * 60 * 1000),
    });
    await writeCertificateFiles(directory, ca, expired);
    expect(await credentials.reloadNow()).toBe(false);
    expect(credentials.current().cert).toBe(first.certPem);
    expect(results).toEqual(['failure']);
    await writeCertificateFiles(directory, ca, second);
    expect(await credentials.reloadNow()).toBe(true);
  });

  it('does nothing when the files have not changed', async () => {
    await credentials.start();
    expect(await credentials.reloadNow()).toBe(false);
    expect(results).toEqual([]);
  });

  it('notices a replacement through the directory watch', async () => {
    credentials = new ReloadingTlsCredentials({
      certFile: join(directory, 'tls.crt'),
      keyFile: join(directory, 'tls.key'),
      logger: silentLogger(),
      pollIntervalMs: 60_000,
      debounceMs: 10,
    });
    await credentials.start();
    const changed = new Promise<string>((resolve) => credentials.onChange((pair) => resolve(pair.cert)));
    await writeCertificateFiles(directory, ca, second);
    expect(await changed).toBe(second.certPem);
  });

  it('reloads a client CA bundle with the pair, and keeps the current one when the new CA does not parse', async () => {
    const withCa = new ReloadingTlsCredentials({
      certFile: join(directory, 'tls.crt'),
      keyFile: join(directory, 'tls.key'),
      caFile: join(directory, 'ca.crt'),
      logger: silentLogger(),
      pollIntervalMs: 60_000,
      watch: false,
      onReload: (result) => results.push(result),
    });
    try {
      expect((await withCa.start()).ca).toBe(ca.certPem);
      const rotated = createCertificateAuthority({ commonName: 'rotated-ca', validityDays: 1 });
      await writeFile(join(directory, 'ca.crt'), rotated.certPem.slice(0, 120));
      expect(await withCa.reloadNow()).toBe(false);
      expect(withCa.current().ca).toBe(ca.certPem);
      const bundle = rotated.certPem + ca.certPem;
      await writeFile(join(directory, 'ca.crt'), bundle);
      expect(await withCa.reloadNow()).toBe(true);
      expect(withCa.current()).toEqual({ cert: first.certPem, key: first.keyPem, ca: bundle });
      expect(results).toEqual(['failure', 'success']);
    } finally {
      await withCa.stop();
    }
  });

  it('refuses to start on a CA file without a certificate, with the caller\'s hint', async () => {
    await writeFile(join(directory, 'ca.crt'), 'not a certificate');
    const withCa = new ReloadingTlsCredentials({
      certFile: join(directory, 'tls.crt'),
      keyFile: join(directory, 'tls.key'),
      caFile: join(directory, 'ca.crt'),
      fixHint: 'check the https.*_file_path settings',
      logger: silentLogger(),
      watch: false,
    });
    await expect(withCa.start()).rejects.toThrow(/ca\.crt: the CA file holds no PEM certificate; check the https/);
  });

  it('refuses to start on a mismatched pair, naming the flags to fix', async () => {
    await writeFile(join(directory, 'tls.key'), second.keyPem);
    await expect(credentials.start()).rejects.toThrow(/--tls-cert-file/);
  });

  it('fails at once on missing files unless told to wait', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'otel-ta-tls-missing-'));
    const missing = new ReloadingTlsCredentials({
      certFile: join(empty, 'tls.crt'),
      keyFile: join(empty, 'tls.key'),
      logger: silentLogger(),
      watch: false,
    });
    await expect(missing.start()).rejects.toThrow(/ENOENT/);
    await rm(empty, { recursive: true, force: true });
  });

  it('waits for certificate files that appear after startup began (a Secret not projected yet)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'otel-ta-tls-late-'));
    const waiting = new ReloadingTlsCredentials({
      certFile: join(empty, 'tls.crt'),
      keyFile: join(empty, 'tls.key'),
      logger: silentLogger(),
      watch: false,
      waitForFilesMs: 10_000,
      waitPollMs: 20,
    });
    const started = waiting.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await writeCertificateFiles(empty, ca, second);
    expect((await started).cert).toBe(second.certPem);
    await waiting.stop();
    await rm(empty, { recursive: true, force: true });
  });
});
