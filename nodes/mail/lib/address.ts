import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * Mail addresses compared as mail systems treat them. A domain with non-ASCII letters (an IDN:
 * bücher.example, магазин.рф) is written either way in mail — as typed, or in its ASCII form
 * (xn--bcher-kva.example), which most senders put in their headers — and both name the same
 * domain. An allowed sender typed @bücher.example refused the mail from no-reply@xn--bcher-kva.example
 * (E_MAIL_SENDER_REJECTED), and the other way round. Case never matters (lower case throughout).
 */

/** The address with its domain in ASCII form, lower case: equal keys, same address. `@domain` entries too. */
export function addressKey(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1).toLowerCase();
  return `${address.slice(0, at + 1).toLowerCase()}${domainToASCII(domain) || domain}`;
}

/** The ways a header may write the address: its domain in ASCII and in Unicode form (one when they agree). */
export function addressForms(address: string): string[] {
  const key = addressKey(address);
  const at = key.lastIndexOf('@');
  const unicode = `${key.slice(0, at + 1)}${domainToUnicode(key.slice(at + 1)) || key.slice(at + 1)}`;
  return unicode === key ? [key] : [key, unicode];
}

/**
 * The SEARCH criteria for mail to `recipient` (To or Cc): the server compares headers as written, so
 * a domain with non-ASCII letters is looked for both ways.
 */
export function toOrCc(recipient: string): Array<{ to: string } | { cc: string }> {
  return addressForms(recipient).flatMap((a) => [{ to: a }, { cc: a }]);
}

/** Whether a message's envelope names `recipient` in To or Cc (SEARCH matches substrings: this is exact). */
export function addressedTo(envelope: { to?: Array<{ address?: string }>; cc?: Array<{ address?: string }> } | undefined, recipient: string): boolean {
  const who = addressKey(recipient);
  return [...(envelope?.to ?? []), ...(envelope?.cc ?? [])].some((a) => addressKey(a.address ?? '') === who);
}
