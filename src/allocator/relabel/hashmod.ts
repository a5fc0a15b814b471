import { createHash } from 'node:crypto';

/**
 * Prometheus's `hashmod`: md5 of the value, the low 8 bytes (bytes 8..15) read as a big-endian
 * uint64, modulo the modulus. BigInt keeps all 64 bits exact.
 */
export function hashMod(value: string, modulus: bigint): string {
  const digest = createHash('md5').update(value, 'utf8').digest();
  return (digest.readBigUInt64BE(8) % modulus).toString();
}
