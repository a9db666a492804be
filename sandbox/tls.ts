// A throwaway self-signed certificate for stand-ins that must speak HTTPS (pdjs only builds https://
// URLs), valid for both ways the sandbox is reached on this machine: 127.0.0.1 and localhost.
import { generate } from 'selfsigned';

export interface SandboxTls {
  /** PEM private key. */
  key: string;
  /** PEM certificate; also what a client passes as its trusted CA. */
  cert: string;
}

/** selfsigned 5 generates through WebCrypto, hence async. EC keys keep it fast (no 2048-bit RSA search). */
export async function createSandboxTls(): Promise<SandboxTls> {
  const notBeforeDate = new Date(Date.now() - 60 * 60 * 1000); // tolerate a little clock skew
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 30 * 24 * 60 * 60 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
