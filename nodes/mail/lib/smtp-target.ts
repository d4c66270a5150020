import net from 'node:net';
import type { NetworkAccess } from '../../sdk/network.ts';

/** Where nodemailer connects: the address the network policy allowed, TLS still checked against the name. */
export interface SmtpTarget {
  host: string;
  tls: { servername: string } | undefined;
}

/**
 * The mail server as the network policy allows it: resolved once and checked like an HTTP step's
 * host (no loopback, private or link-local address unless the flow's Allowed hosts or
 * CONVEYOR_ALLOW_HOSTS name it), so a credential cannot point a step at this computer or a cloud
 * metadata address. The socket goes to exactly the checked address (no second DNS lookup); TLS
 * still verifies the certificate against the server's name. Throws E_NETWORK_BLOCKED, or the DNS
 * error (ENOTFOUND…) as it is.
 */
export async function smtpTarget(policy: NetworkAccess, host: string, port: number): Promise<SmtpTarget> {
  const { address } = await policy.resolve(host, port);
  return { host: address, tls: net.isIP(host) ? undefined : { servername: host } };
}
