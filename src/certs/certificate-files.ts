import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertificateKeyPair } from './certificate-authority.js';

export interface CertificateFilePaths {
  readonly caCert: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
}

/** The file names of a `kubernetes.io/tls` Secret plus the CA, so the directory can be mounted as is. */
export function certificateFilePaths(directory: string): CertificateFilePaths {
  return {
    caCert: join(directory, 'ca.crt'),
    tlsCert: join(directory, 'tls.crt'),
    tlsKey: join(directory, 'tls.key'),
  };
}

/**
 * Writes each file to a temporary name and renames it into place, so a reader (the webhook's
 * hot reload) never sees a half-written file. The key is readable by its owner only.
 *
 * The temporary file is created exclusively (`wx`: an existing file or a symlink planted at that
 * name is an error, never followed) and its mode set through the open handle, so a private key is
 * never written into, nor its mode applied to, a file someone else prepared.
 */
export async function writeFileAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  const handle = await open(temporary, 'wx', mode);
  try {
    // The umask may have narrowed the mode at creation; set exactly what was asked.
    await handle.chmod(mode);
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

export async function writeCertificateFiles(
  directory: string,
  ca: CertificateKeyPair,
  serving: CertificateKeyPair,
): Promise<CertificateFilePaths> {
  await mkdir(directory, { recursive: true });
  const paths = certificateFilePaths(directory);
  await writeFileAtomically(paths.caCert, ca.certPem, 0o644);
  await writeFileAtomically(paths.tlsCert, serving.certPem, 0o644);
  await writeFileAtomically(paths.tlsKey, serving.keyPem, 0o600);
  return paths;
}
