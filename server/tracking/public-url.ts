import { ConveyorError } from '../errors.ts';

export const PUBLIC_URL_ENV = 'CONVEYOR_PUBLIC_URL';

/**
 * The address recipients reach the studio at, for the links in tracked mails: CONVEYOR_PUBLIC_URL
 * (behind a reverse proxy, on the internet). Without it, links point where the studio listens, which
 * is only right when recipients can reach that address.
 */
export function publicUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  const raw = env[PUBLIC_URL_ENV]?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    url = new URL('invalid:');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.search || url.hash || url.username || url.password) {
    throw new ConveyorError(
      'E_PUBLIC_URL_INVALID',
      `${PUBLIC_URL_ENV} is "${raw}", which is not a plain http(s) address.`,
      `Set it to the studio's address as recipients reach it, e.g. https://studio.example.com (a path is allowed, no query or user), or unset it.`,
      1,
    );
  }
  return url.href.replace(/\/+$/, '');
}
