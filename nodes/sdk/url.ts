import { NodeError } from '../../server/contract/node-error.ts';

/**
 * Web addresses in steps: reading the one a step was given (http or https only, else E_URL_INVALID)
 * and showing one in messages and logs without its secrets.
 */

/** How a step names the address in its messages: "The URL", "The page address", with an example to copy. */
export interface UrlWords {
  subject: string;
  example: string;
}

export function parseWebUrl(raw: string, words: UrlWords): URL {
  const hint = `Write the full address, starting with https:// (or http://), e.g. ${words.example}; check the record fields the placeholders use.`;
  if (raw === '') throw new NodeError('E_URL_INVALID', `${words.subject} is empty.`, hint);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new NodeError('E_URL_INVALID', `${words.subject} ${JSON.stringify(raw)} is not a valid web address.`, hint);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NodeError('E_URL_INVALID', `${words.subject} ${JSON.stringify(raw)} must start with http:// or https://.`, hint);
  }
  return url;
}

/** The URL for messages, without a password or the values of secret-looking query parameters. */
export function displayUrl(url: URL): string {
  const shown = new URL(url.href);
  if (shown.password) shown.password = '***';
  for (const key of [...shown.searchParams.keys()]) {
    if (/key|token|secret|pass|auth|sig|session|code/i.test(key)) shown.searchParams.set(key, '***');
  }
  return shown.href;
}
