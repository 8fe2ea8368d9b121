import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where outbound webhooks may connect. Only public unicast addresses, unless the operator named the
 * host in WEBHOOK_ALLOWED_HOSTS: a business's admin key must not reach this machine, its network or
 * a cloud metadata service. Checked on the address actually connected to (the HTTP agent's `lookup`),
 * so a name that resolves, or is later rebound, to an internal address is refused too.
 */
export class WebhookDestinations {
  private readonly allowed: ReadonlySet<string>;

  constructor(allowedHosts: readonly string[] = []) {
    this.allowed = new Set(allowedHosts.map(hostKey));
  }

  /** The operator allowed this host name or address. */
  allows(host: string): boolean {
    return this.allowed.has(hostKey(host));
  }

  /** A public address, or one the operator allowed. */
  permits(address: string): boolean {
    return isPublicAddress(address) || this.allows(address);
  }

  /**
   * Why a URL's host is refused before any lookup (an internal IP literal, `localhost` and
   * `*.localhost`), or undefined. Names are checked again, by their addresses, at each connection.
   */
  hostProblem(host: string): string | undefined {
    if (this.allows(host)) return undefined;
    const key = hostKey(host);
    if (key === 'localhost' || key.endsWith('.localhost')) return refusedHost;
    if (isIP(key) && !isPublicAddress(key)) return refusedHost;
    return undefined;
  }

  /** A `lookup` for net.connect: resolves every address of the name and refuses if any one is not permitted. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = !this.allows(hostname) && addresses.some((a) => !this.permits(a.address));
      if (refused || !addresses.length) return callback(new RefusedDestinationError(), '', 0);
      if ((options as LookupOptions).all) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

export const refusedHost = 'must not point at this server or a private network';

/** A connection refused by the address check (not by the receiver). */
export class RefusedDestinationError extends Error {
  readonly code = 'EDESTINATION';
  constructor() {
    super('the host resolves to an address that is not public');
    this.name = 'RefusedDestinationError';
  }
}

/** Lower case, no brackets around IPv6, no trailing dot: `Localhost.` and `localhost` are one host. */
function hostKey(host: string): string {
  return host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.+$/, '');
}

/**
 * A global unicast address. IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`,
 * IPv4-translated, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that IPv4 address; loopback,
 * private, link-local (metadata), shared/CGNAT (100.64/10), unique-local, multicast, reserved and the
 * rest of ipaddr.js's special ranges are not public.
 */
export function isPublicAddress(text: string): boolean {
  const key = hostKey(text);
  if (!isIP(key)) return false;
  const address = ipaddr.parse(key);
  if (address.kind() === 'ipv4') return address.range() === 'unicast';
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  const bytes = v6.toByteArray();
  const embedded = (from: number) => ipaddr.fromByteArray(bytes.slice(from, from + 4)).range() === 'unicast';
  const zero = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  // ::a.b.c.d (IPv4-compatible, deprecated): ipaddr.js calls it unicast, the IPv4 address decides.
  if (zero(0, 12)) return embedded(12);
  if (range === 'unicast') return true;
  if (range === 'ipv4Mapped' || range === 'rfc6145') return embedded(12);
  // NAT64: the well-known 64:ff9b::/96 only; the local-use 64:ff9b:1::/48 is the operator's own network.
  if (range === 'rfc6052') return zero(4, 12) && embedded(12);
  if (range === '6to4') return embedded(2);
  return false;
}
