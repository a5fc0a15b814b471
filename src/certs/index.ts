export {
  caBundle,
  createCertificateAuthority,
  issueServingCertificate,
  serviceDnsNames,
  type CertificateAuthorityOptions,
  type CertificateKeyPair,
  type ServingCertificateOptions,
} from './certificate-authority.js';
export {
  certificateFilePaths,
  writeCertificateFiles,
  writeFileAtomically,
  type CertificateFilePaths,
} from './certificate-files.js';
export { checkCertificateKeyPair, pemCertificates, type KeyPairCheck } from './key-pair-check.js';
export {
  ReloadingTlsCredentials,
  type ReloadResult,
  type ReloadingTlsCredentialsOptions,
  type ServingCredentials,
} from './reloading-tls-credentials.js';
export { MIN_TLS_VERSION, TLS_CIPHERS, TLS_POLICY, type TlsPolicy } from './tls-policy.js';
