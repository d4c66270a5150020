import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Readable } from 'node:stream';
import { NodeError } from '../../server/contract/node-error.ts';
import { normalizeAddress, parseAllowEntry, type AllowEntry, type Family } from '../../server/contract/allow-list.ts';

export { normalizeAddress, parseAllowEntry, allowListProblems } from '../../server/contract/allow-list.ts';

/**
 * The network policy every connector uses (HTTP, browser, mail…): by default a step cannot reach
 * this computer (loopback, 0.0.0.0), link-local / cloud metadata addresses or private networks,
 * unless the flow (`settings.allowHosts`) or the administrator (`CONVEYOR_ALLOW_HOSTS`) allows the
 * host. The check is made on the address actually connected to, after DNS resolution (the
 * resolved address is the one the socket uses: no second lookup), and on every redirect. A
 * refused target never gets a connection attempt, so an open and a closed port answer the same.
 */

/** The environment variable with the administrator's allowed hosts (comma or space separated). */
export const ALLOW_HOSTS_ENV = 'CONVEYOR_ALLOW_HOSTS';


interface Range {
  address: string;
  prefix: number;
  family: Family;
  what: string;
}

/** The ranges a step may not reach unless allowed, with what they are (for the message). */
const BLOCKED: Range[] = [
  { address: '0.0.0.0', prefix: 8, family: 'ipv4', what: 'the "any address" of this computer' },
  { address: '127.0.0.0', prefix: 8, family: 'ipv4', what: 'a loopback address (this computer)' },
  { address: '169.254.0.0', prefix: 16, family: 'ipv4', what: 'a link-local address (where cloud metadata services answer)' },
  { address: '10.0.0.0', prefix: 8, family: 'ipv4', what: 'a private network address' },
  { address: '172.16.0.0', prefix: 12, family: 'ipv4', what: 'a private network address' },
  { address: '192.168.0.0', prefix: 16, family: 'ipv4', what: 'a private network address' },
  { address: '100.64.0.0', prefix: 10, family: 'ipv4', what: 'a shared (carrier-grade NAT) network address' },
  { address: '224.0.0.0', prefix: 3, family: 'ipv4', what: 'a multicast or reserved address' },
  { address: '::', prefix: 128, family: 'ipv6', what: 'the "any address" of this computer' },
  { address: '::1', prefix: 128, family: 'ipv6', what: 'a loopback address (this computer)' },
  { address: 'fe80::', prefix: 10, family: 'ipv6', what: 'a link-local address' },
  { address: 'fc00::', prefix: 7, family: 'ipv6', what: 'a private network address (unique local)' },
  { address: 'ff00::', prefix: 8, family: 'ipv6', what: 'a multicast address' },
  { address: '::', prefix: 96, family: 'ipv6', what: 'a reserved address' },
];

/** Ports this studio listens on: a local address on one of them is the studio itself. */
const studioPorts = new Set<number>();

/**
 * Called by the server once it listens: steps may reach it only through an entry naming this very port.
 * Returns the unmarking, called when that studio has closed (the port may then be anyone's: a later
 * server of the same process, such as a test site, may be given it).
 */
export function markStudioPort(port: number): () => void {
  studioPorts.add(port);
  return () => void studioPorts.delete(port);
}

function inRange(address: string, family: Family, range: { address: string; prefix: number; family: Family }): boolean {
  if (range.family !== family) return false;
  const list = new net.BlockList();
  list.addSubnet(range.address, range.prefix, range.family);
  return list.check(address, family);
}

/** What a blocked address is ("a loopback address (this computer)"), or null when steps may reach it. */
export function blockedRange(address: string): string | null {
  const n = normalizeAddress(address);
  if (!net.isIP(n.address)) return null;
  return BLOCKED.find((r) => inRange(n.address, n.family, r))?.what ?? null;
}

/** The administrator's allow list from `CONVEYOR_ALLOW_HOSTS`. */
export function adminAllowHosts(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[ALLOW_HOSTS_ENV] ?? '').split(/[\s,]+/).filter(Boolean);
}

export interface ResolvedTarget {
  address: string;
  family: 4 | 6;
}

/** How steps reach the network (`ctx.network`). */
export interface NetworkAccess {
  /** The entries allowed (flow's and administrator's). */
  readonly allowHosts: readonly string[];
  /** Throws E_NETWORK_BLOCKED when `hostname` at `address`:`port` may not be reached. */
  check(hostname: string, address: string, port: number): void;
  /**
   * Resolves `hostname` (an IP literal is taken as it is) and returns an address the step may
   * connect to; connect to exactly this address (E_NETWORK_BLOCKED when none is allowed; DNS
   * failures are thrown as they are: ENOTFOUND…).
   */
  resolve(hostname: string, port: number): Promise<ResolvedTarget>;
  /**
   * One HTTP(S) request under the policy; redirects are NOT followed (the caller follows each
   * `Location` with another call, so every hop is checked). The answer is a standard Response.
   */
  fetch(url: URL, init: FetchInit): Promise<Response>;
  /** Closes the connections `fetch` keeps open between requests (at the run's end). */
  close(): void;
}

/** A request `fetch` sends. */
export interface FetchInit {
  method: string;
  headers: Headers;
  body?: string;
  signal?: AbortSignal;
  /**
   * Sending this request twice is harmless whatever its method (a node whose effect is idempotent,
   * such as asking a language model): it is sent again like a GET when a kept connection fails.
   */
  repeatable?: boolean;
}

/**
 * How long a connection `fetch` opened stays open, idle, for the next request to the same host and
 * port. A new TCP connection per request cost the worker about 2 ms of CPU per HTTP step (issue 14's
 * profile, `agent: false`); kept shorter than the usual servers' idle timeout (Node's 5 s, Apache's
 * 5 s) so that the server rarely closes a connection just as a request is sent on it. A server's
 * `Keep-Alive: timeout=N` shortens it further (Node's agent honours the hint).
 */
const IDLE_CONNECTION_MS = 2_000;

/**
 * Methods whose request sent twice has the effect of one (RFC 9110, 9.2.2): a client may send them
 * again by itself when a connection fails. A POST or PATCH sent again may act twice (a second order,
 * a second mail), so it is never sent again by the connection layer: its step fails instead, saying the
 * service may have received it, and the flow's retry settings or the operator decide.
 */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * How long a connection stays open, idle, for the next request that may not be sent twice (POST,
 * PATCH…). Such a request is not sent again when a kept connection turns out closed (above), so it
 * goes on a connection idle for less time: a server closing idle connections after a second or more
 * (most close after 2–75 s) never closes one just as the request is sent on it. Records that call a
 * service one after another still share connections.
 */
const IDLE_CONNECTION_NOT_IDEMPOTENT_MS = 900;

function hostOf(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
}

function suggestion(hostname: string, address: string, port: number): string {
  const host = net.isIP(hostOf(hostname)) ? normalizeAddress(address).address : hostOf(hostname);
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The policy for one run: the flow's `allowHosts` plus the administrator's `CONVEYOR_ALLOW_HOSTS`.
 * Bad entries are ignored here (flow validation reports them).
 */
export function networkPolicy(flowAllowHosts: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): NetworkAccess {
  const allowHosts = [...flowAllowHosts, ...adminAllowHosts(env)];
  const entries = allowHosts.map(parseAllowEntry).filter((e): e is AllowEntry => typeof e !== 'string');

  function allowed(hostname: string, address: string, port: number, exactPort: boolean): boolean {
    const name = hostOf(hostname);
    const n = normalizeAddress(address);
    return entries.some((e) => {
      if (exactPort ? e.port !== port : e.port !== undefined && e.port !== port) return false;
      if (e.name !== undefined) return e.wildcard ? name.endsWith(`.${e.name}`) : name === e.name;
      return e.range ? inRange(n.address, n.family, e.range) : false;
    });
  }

  function check(hostname: string, address: string, port: number): void {
    const what = blockedRange(address);
    if (!what) return;
    const studio = studioPorts.has(port);
    if (allowed(hostname, address, port, studio)) return;
    const shown = normalizeAddress(address).address;
    const via = hostOf(hostname) !== shown ? ` (${hostname})` : '';
    const suggest = suggestion(hostname, address, port);
    throw new NodeError(
      'E_NETWORK_BLOCKED',
      studio
        ? `Connecting to ${shown} port ${port}${via} was refused: that is this studio itself, which steps may not call.`
        : `Connecting to ${shown} port ${port}${via} was refused: it is ${what}, which steps may not reach unless it is allowed.`,
      studio
        ? `Steps cannot change the studio (its credentials, flows or runs). If this flow really must call it, add "${suggest}" (with its port) to the flow's allowed hosts (Flow settings → Allowed hosts).`
        : `If this flow should reach it, add "${suggest}" (or the host name, or a range such as 10.0.0.0/8) to the flow's allowed hosts (Flow settings → Allowed hosts), or ask the administrator to add it to ${ALLOW_HOSTS_ENV}. Allow only hosts you trust.`,
    );
  }

  async function resolve(hostname: string, port: number): Promise<ResolvedTarget> {
    const host = hostOf(hostname);
    if (net.isIP(host)) {
      check(hostname, host, port);
      return { address: host, family: net.isIPv4(host) ? 4 : 6 };
    }
    const found = await dns.promises.lookup(host, { all: true, verbatim: true });
    let refusal: unknown;
    for (const a of found) {
      try {
        check(hostname, a.address, port);
        return { address: a.address, family: a.family === 6 ? 6 : 4 };
      } catch (err) {
        refusal ??= err;
      }
    }
    throw refusal ?? Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
  }

  // Connections are kept per policy (so per run): a connection is checked once, when it is made
  // (the lookup below), for the host name it was made for, and the agents' pools are keyed by host
  // name and port — a kept connection only ever serves the host it was checked for, under this run's
  // allow list. Idle sockets are unref'd by the agent: they never keep the process alive.
  let agents: Map<string, http.Agent> | null = null;
  const agentFor = (secure: boolean, idempotent: boolean): http.Agent => {
    agents ??= new Map();
    const key = `${secure ? 'https' : 'http'}:${idempotent ? 'idempotent' : 'once'}`;
    let agent = agents.get(key);
    if (!agent) {
      const options = { keepAlive: true, timeout: idempotent ? IDLE_CONNECTION_MS : IDLE_CONNECTION_NOT_IDEMPOTENT_MS };
      agents.set(key, (agent = secure ? new https.Agent(options) : new http.Agent(options)));
    }
    return agent;
  };

  function fetchOnce(url: URL, init: FetchInit, retried = false): Promise<Response> {
    const secure = url.protocol === 'https:';
    const port = url.port ? Number(url.port) : secure ? 443 : 80;
    const hostname = url.hostname;
    const idempotent = init.repeatable === true || IDEMPOTENT_METHODS.has(init.method.toUpperCase());
    return new Promise<Response>((done, fail) => {
      const headers: Record<string, string> = { accept: '*/*', 'user-agent': 'Conveyor' };
      init.headers.forEach((value, name) => {
        headers[name] = value;
      });
      // The socket connects to the address this lookup returns, checked by the policy.
      const lookup = (_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void): void => {
        resolve(hostname, port).then(
          (t) => (options?.all ? callback(null, [{ address: t.address, family: t.family }]) : callback(null, t.address, t.family)),
          (err) => callback(err),
        );
      };
      const target = hostOf(hostname);
      try {
        // An IP literal is never looked up by the socket: check it here.
        if (net.isIP(target)) check(hostname, target, port);
      } catch (err) {
        fail(err);
        return;
      }
      const request = (secure ? https : http).request(
        url,
        { method: init.method, headers, signal: init.signal, agent: agentFor(secure, idempotent), lookup: lookup as never, servername: net.isIP(target) ? undefined : target },
        (res) => {
          const answer = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            try {
              answer.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
            } catch {
              // a header a fetch Response cannot hold is left out
            }
          }
          const status = res.statusCode ?? 0;
          const noBody = init.method === 'HEAD' || status === 204 || status === 205 || status === 304 || status < 200;
          if (noBody) res.resume();
          done(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream), { status: status < 200 ? 200 : status, statusText: res.statusMessage ?? '', headers: answer }));
        },
      );
      request.on('error', (err: NodeJS.ErrnoException) => {
        // A kept connection closed just as this request went out: most likely the server closed it
        // while idle and never read the request — but a server that read it and then failed cuts the
        // connection the same way. A request whose repeat acts once is sent again, once, on a new
        // connection (Node's advice for keep-alive, `request.reusedSocket`); any other fails, told
        // that the service may have received it (`mayHaveArrived`).
        const cut = err.code === 'ECONNRESET' || err.code === 'EPIPE';
        if (cut && request.reusedSocket && idempotent && !retried && !init.signal?.aborted) {
          fetchOnce(url, init, true).then(done, fail);
          return;
        }
        if (cut && !idempotent) (err as NodeJS.ErrnoException & { mayHaveArrived?: boolean }).mayHaveArrived = true;
        fail(err);
      });
      request.end(init.body);
    });
  }

  function close(): void {
    for (const agent of agents?.values() ?? []) agent.destroy();
    agents = null;
  }

  return { allowHosts, check, resolve, fetch: fetchOnce, close };
}
