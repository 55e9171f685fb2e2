import { lookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { lookup as lookupAsync } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ConnectorCheckError } from './context';

/**
 * Address ranges a platform-run operation may not reach unless an admin allows it: from the control plane,
 * these are Conduit's own network (its database, its metadata service), not the customer's. Node's BlockList
 * also matches IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) against the IPv4 ranges.
 */
const NON_PUBLIC_RANGES: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', '"this network"'],
  ['10.0.0.0', 8, 'ipv4', 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'ipv4', 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['::', 96, 'ipv6', 'unspecified or IPv4-compatible'],
  ['64:ff9b::', 96, 'ipv6', 'NAT64'],
  ['64:ff9b:1::', 48, 'ipv6', 'NAT64 (local use)'],
  ['100::', 64, 'ipv6', 'discard'],
  ['fc00::', 7, 'ipv6', 'unique local (ULA)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const RANGES = NON_PUBLIC_RANGES.map(([network, prefix, family, label]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, label };
});

/** The kind of non-public range an IP address lies in, or undefined for a public address. */
export function nonPublicRange(address: string): string | undefined {
  const family = isIP(address);
  if (!family) throw new Error(`not an IP address: ${address}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return RANGES.find((r) => r.list.check(address, type))?.label;
}

const refused = (host: string, address: string, range: string) =>
  new ConnectorCheckError(
    'ADDRESS_NOT_ALLOWED',
    'connection',
    `${host === address ? address : `${host} resolves to ${address}`}, a ${range} address: connectors run by the control plane may only reach public addresses`,
    'run the connector through a delegate inside that network (executeOnDelegate: true), or have an account admin allow private networks for it',
  );

/** Throws ADDRESS_NOT_ALLOWED when any address is not public: a name that mixes public and private answers is refused. */
function checkAll(host: string, addresses: readonly string[]): void {
  for (const address of addresses) {
    const range = nonPublicRange(address);
    if (range) throw refused(host, address, range);
  }
}

/** An IP literal in a URL or host field (IPv6 without its brackets), checked before any connection is made. */
export function assertPublicLiteral(host: string): void {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) checkAll(bare, [bare]);
}

/**
 * A `lookup` for net/tls connections (undici's `connect.lookup`) that refuses non-public answers. The check
 * runs on the very answer the socket connects to, so a name that re-resolves to a private address between a
 * check and the connection (DNS rebinding) is caught.
 */
export function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  lookup(hostname, { ...options, all: true } as LookupAllOptions, (error, addresses) => {
    if (error) return callback(error, []);
    try {
      checkAll(hostname, addresses.map((a) => a.address));
    } catch (refusal) {
      return callback(refusal as NodeJS.ErrnoException, []);
    }
    const first = addresses[0] as LookupAddress;
    return options.all ? callback(null, addresses) : callback(null, first.address, first.family);
  });
}

/** Resolves a host for a client that cannot take a lookup function (ssh2): connect to the address returned. */
export async function resolvePublicAddress(host: string): Promise<string> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) {
    checkAll(bare, [bare]);
    return bare;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await lookupAsync(bare, { all: true });
  } catch {
    throw new ConnectorCheckError('HOST_NOT_FOUND', 'connection', `host ${host} not found (DNS)`, 'check the URL, or the DNS the control plane uses');
  }
  checkAll(host, addresses.map((a) => a.address));
  return (addresses[0] as LookupAddress).address;
}
