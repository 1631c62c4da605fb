import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config.js';

/** Connection options shared by the client and the worker, TLS and API key included. */
export function connectionOptions(config: Config): { address: string; tls?: TLSConfig; apiKey?: string } {
  const { tls, apiKey, address } = config.temporal;
  const tlsOptions: TLSConfig | undefined = tls
    ? {
        serverNameOverride: tls.serverName,
        serverRootCACertificate: tls.ca ? readFileSync(tls.ca) : undefined,
        clientCertPair: tls.cert && tls.key ? { crt: readFileSync(tls.cert), key: readFileSync(tls.key) } : undefined,
      }
    : undefined;
  return { address, ...(tlsOptions ? { tls: tlsOptions } : {}), ...(apiKey ? { apiKey } : {}) };
}
