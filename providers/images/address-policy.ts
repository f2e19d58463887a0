/**
 * Which network addresses an image fetch may connect to. Image URLs come
 * from catalog rows and benchmark datasets, so by default a fetch reaches
 * only public addresses: never loopback, private, link-local (the cloud
 * metadata service at 169.254.169.254 included), CGNAT, multicast,
 * unspecified, documentation or other special-purpose ranges, in IPv4 or
 * IPv6, IPv4-mapped and NAT64/6to4/Teredo forms included.
 *
 * The check runs in the HTTP client's connector, on the address the socket
 * then connects to, for the first request and every redirect: a name that
 * resolves to a public address when checked and a private one when
 * connected (DNS rebinding) cannot slip between the two.
 */
import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { Agent, buildConnector } from 'undici';

const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['64:ff9b::', 96], // NAT64 (reaches IPv4 through a gateway)
  ['64:ff9b:1::', 48],
  ['100::', 64], // discard
  ['2001::', 32], // Teredo
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

/**
 * True for an address an image fetch must not reach. IPv4-mapped IPv6
 * addresses (::ffff:127.0.0.1) are checked against the IPv4 ranges.
 * Anything that is not an IP address is forbidden.
 */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why a connection was not attempted: the host resolves to an address the policy forbids. */
export class AddressRefusedError extends Error {
  override readonly name = 'AddressRefusedError';
  constructor(readonly hostname: string) {
    super(`${hostname} is not an address image fetches may reach`);
  }
}

/** A host name as given in an allow-list or a URL: lower case, IPv6 without brackets. */
export function normalizeHost(host: string): string {
  const h = host.trim().toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** Resolves `hostname` and returns the address to connect to; rejects with AddressRefusedError when any answer is forbidden. */
async function checkedAddress(hostname: string): Promise<string> {
  if (isIP(hostname)) {
    if (isForbiddenAddress(hostname)) throw new AddressRefusedError(hostname);
    return hostname;
  }
  const answers = await lookup(hostname, { all: true, order: 'verbatim' });
  const [first] = answers;
  // Every answer, not only the first: a name that mixes public and private addresses is refused.
  if (first === undefined || answers.some((a) => isForbiddenAddress(a.address)))
    throw new AddressRefusedError(hostname);
  return first.address;
}

export interface ImageAgentOptions {
  /** Host names (as in the URL; IP literals allowed) that may be fetched whatever they resolve to. Default: none. */
  allowHosts?: readonly string[];
  /** Connect timeout, in ms. Default 10000 (undici's); the load's own timeout usually ends it first. */
  connectTimeoutMs?: number;
}

/**
 * An undici Agent whose connector checks, before each connection, the
 * address it is about to connect to. It then connects to that very address
 * (TLS still verifies the certificate for the URL's host name).
 */
export function createImageAgent(options: ImageAgentOptions = {}): Agent {
  const allowed = new Set((options.allowHosts ?? []).map(normalizeHost));
  const connect = buildConnector({ timeout: options.connectTimeoutMs ?? 10_000 });
  return new Agent({
    connect: (opts, callback) => {
      if (allowed.has(normalizeHost(opts.hostname))) return connect(opts, callback);
      checkedAddress(opts.hostname).then(
        (address) => {
          const servername = opts.servername ?? (isIP(opts.hostname) ? undefined : opts.hostname);
          connect({ ...opts, hostname: address, ...(servername === undefined ? {} : { servername }) }, callback);
        },
        (error: unknown) => callback(error as Error, null),
      );
    },
  });
}
