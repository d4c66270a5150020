/**
 * Allow-list entries of the network policy (`settings.allowHosts`, `CONVEYOR_ALLOW_HOSTS`): pure
 * parsing, shared by the flow schema (studio and server) and the policy in `network.ts`.
 */

export type Family = 'ipv4' | 'ipv6';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

export function isIPv6(text: string): boolean {
  return text.includes(':') && /^[0-9A-Fa-f:.]+$/.test(text) && ipv6Bytes(text) !== null;
}

export function isIP(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

/** 16 bytes of an IPv6 address (dotted IPv4 tail accepted), or null. */
function ipv6Bytes(address: string): number[] | null {
  let text = address;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted && !isIPv4(dotted[1]!)) return null;
  if (dotted) {
    tail.push(...dotted[1]!.split('.').map(Number));
    text = text.slice(0, -dotted[1]!.length) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const groups = halves.length === 2 ? [...head, ...Array<number>(8 - head.length - rest.length).fill(0), ...rest] : head;
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g) || g < 0 || g > 0xffff)) return null;
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/**
 * The address as the policy sees it: IPv4 inside IPv6 (`::ffff:7f00:1`, NAT64 `64:ff9b::…`,
 * 6to4 `2002:…`) is checked as the IPv4 address it reaches.
 */
export function normalizeAddress(address: string): { address: string; family: Family } {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(bare)) return { address: bare, family: 'ipv4' };
  const b = ipv6Bytes(bare);
  if (!b) return { address: bare, family: 'ipv6' };
  const v4 = (at: number): string => b.slice(at, at + 4).join('.');
  const zero = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return { address: v4(12), family: 'ipv4' };
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return { address: v4(12), family: 'ipv4' };
  if (b[0] === 0x20 && b[1] === 0x02) return { address: v4(2), family: 'ipv4' };
  return { address: bare.toLowerCase(), family: 'ipv6' };
}

export interface AllowEntry {
  raw: string;
  port?: number;
  name?: string;
  wildcard?: boolean;
  range?: { address: string; prefix: number; family: Family };
}

/** Parses one allow-list entry; a string says what is wrong with it. */
export function parseAllowEntry(text: string): AllowEntry | string {
  const raw = text.trim();
  if (!/^[A-Za-z0-9_.:*\[\]/-]+$/.test(raw) || raw.length > 300) return `"${raw}" is not a host, an address or a range (e.g. localhost, 127.0.0.1:3100, [::1]:8080, 10.0.0.0/8).`;
  const cidr = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(raw);
  if (cidr) {
    const family: Family = isIPv4(cidr[1]!) ? 'ipv4' : 'ipv6';
    const prefix = Number(cidr[2]);
    if (!isIP(cidr[1]!) || prefix > (family === 'ipv4' ? 32 : 128)) return `"${raw}" is not a valid address range.`;
    return { raw, range: { address: cidr[1]!, prefix, family } };
  }
  let host = raw;
  let port: number | undefined;
  const bracket = /^\[(.+)\](?::(\d+))?$/.exec(raw);
  if (bracket) {
    host = bracket[1]!;
    port = bracket[2] ? Number(bracket[2]) : undefined;
  } else if (!isIPv6(raw)) {
    const hp = /^(.*):(\d+)$/.exec(raw);
    if (hp) {
      host = hp[1]!;
      port = Number(hp[2]);
    }
  }
  if (port !== undefined && (port < 1 || port > 65535)) return `"${raw}" has a port outside 1–65535.`;
  if (isIP(host)) {
    const n = normalizeAddress(host);
    return { raw, port, range: { address: n.address, prefix: n.family === 'ipv4' ? 32 : 128, family: n.family } };
  }
  if (!/^(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(host)) return `"${raw}" is not a valid host name or address.`;
  const wildcard = host.startsWith('*.');
  return { raw, port, name: (wildcard ? host.slice(2) : host).toLowerCase().replace(/\.$/, ''), wildcard };
}

/** The problems of an allow list (one message per bad entry), for flow validation. */
export function allowListProblems(entries: readonly string[]): string[] {
  return entries.map(parseAllowEntry).filter((e): e is string => typeof e === 'string');
}

