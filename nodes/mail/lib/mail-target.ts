import net from 'node:net';
import type { NetworkAccess } from '../../sdk/network.ts';

/** Where a mail client connects: the address the network policy allowed, TLS still checked against the name. */
export interface MailTarget {
  host: string;
  tls: { servername: string } | undefined;
}

/**
 * A mail server (SMTP or IMAP) as the network policy allows it: resolved once and checked like an HTTP step's
 * host (no loopback, private or link-local address unless the flow's Allowed hosts or
 * CONVEYOR_ALLOW_HOSTS name it), so a credential cannot point a step at this computer or a cloud
 * metadata address. The socket goes to exactly the checked address (no second DNS lookup); TLS
 * still verifies the certificate against the server's name. Throws E_NETWORK_BLOCKED, or the DNS
 * error (ENOTFOUND…) as it is.
 */
export async function mailServerTarget(policy: NetworkAccess, host: string, port: number): Promise<MailTarget> {
  const { address } = await policy.resolve(host, port);
  return { host: address, tls: net.isIP(host) ? undefined : { servername: host } };
}
