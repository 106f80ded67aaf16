import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';

/**
 * Where push may connect. Special-purpose addresses (link-local and cloud metadata, "this
 * network", shared CGNAT space, multicast, reserved, documentation…; IANA's special-purpose
 * registries) are never reached; private networks and loopback only when the host allows them
 * (`allowPrivatePush`). Checked on the URL when it is saved and again on every address a name
 * resolves to when the socket connects, so a name that rebinds cannot slip through.
 */
export interface AddressPolicy {
  allowPrivate: boolean;
}

export type AddressKind = 'public' | 'private' | 'loopback' | 'special';

export interface AddressVerdict {
  kind: AddressKind;
  /** What the range is, for the message: `link-local`, `cloud metadata`, `private network`… */
  label: string;
}

/** The socket was not opened: the address is not one push may reach. Holds no request data. */
export class AddressNotAllowedError extends Error {
  readonly code = 'SSC_ADDRESS_NOT_ALLOWED';

  constructor(
    readonly address: string,
    readonly verdict: AddressVerdict,
  ) {
    super(`address not allowed: ${address} (${verdict.label}${verdict.kind === 'special' ? '' : '; the host can allow it with allowPrivatePush'})`);
    this.name = 'AddressNotAllowedError';
  }
}

type Range = [address: string, prefix: number];

function blockList(family: 'ipv4' | 'ipv6', ranges: Range[]): BlockList {
  const list = new BlockList();
  for (const [address, prefix] of ranges) list.addSubnet(address, prefix, family);
  return list;
}

// Checked in this order; the first match decides.
const IPV4_RULES: Array<{ list: BlockList; verdict: AddressVerdict }> = [
  { list: blockList('ipv4', [['169.254.0.0', 16]]), verdict: { kind: 'special', label: 'link-local / cloud metadata' } },
  { list: blockList('ipv4', [['100.100.100.200', 32]]), verdict: { kind: 'special', label: 'cloud metadata' } },
  { list: blockList('ipv4', [['127.0.0.0', 8]]), verdict: { kind: 'loopback', label: 'loopback' } },
  { list: blockList('ipv4', [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16]]), verdict: { kind: 'private', label: 'private network' } },
  { list: blockList('ipv4', [['224.0.0.0', 4]]), verdict: { kind: 'special', label: 'multicast' } },
  {
    list: blockList('ipv4', [
      ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host
      ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
      ['192.0.0.0', 24], // IETF protocol assignments
      ['192.0.2.0', 24], // documentation
      ['192.88.99.0', 24], // 6to4 relay anycast
      ['198.18.0.0', 15], // benchmarking
      ['198.51.100.0', 24], // documentation
      ['203.0.113.0', 24], // documentation
      ['240.0.0.0', 4], // reserved, with the limited broadcast 255.255.255.255
    ]),
    verdict: { kind: 'special', label: 'special-purpose address' },
  },
];

const IPV6_RULES: Array<{ list: BlockList; verdict: AddressVerdict }> = [
  { list: blockList('ipv6', [['fd00:ec2::254', 128]]), verdict: { kind: 'special', label: 'cloud metadata' } },
  { list: blockList('ipv6', [['::1', 128]]), verdict: { kind: 'loopback', label: 'loopback' } },
  { list: blockList('ipv6', [['fe80::', 10]]), verdict: { kind: 'special', label: 'link-local' } },
  { list: blockList('ipv6', [['fc00::', 7]]), verdict: { kind: 'private', label: 'private network (unique local)' } },
  { list: blockList('ipv6', [['ff00::', 8]]), verdict: { kind: 'special', label: 'multicast' } },
  {
    list: blockList('ipv6', [
      ['64:ff9b:1::', 48], // local-use NAT64
      ['100::', 64], // discard-only
      ['2001::', 23], // IETF protocol assignments, Teredo included
      ['2001:db8::', 32], // documentation
      ['2002::', 16], // 6to4: reaches whatever IPv4 address it embeds
      ['3fff::', 20], // documentation
      ['5f00::', 16], // SRv6 SIDs
    ]),
    verdict: { kind: 'special', label: 'special-purpose address' },
  },
];
const GLOBAL_UNICAST = blockList('ipv6', [['2000::', 3]]);
const UNSPECIFIED: AddressVerdict = { kind: 'special', label: 'special-purpose address' };
const PUBLIC: AddressVerdict = { kind: 'public', label: 'public' };

/** Host names that are cloud metadata services whatever they resolve to (the resolved address is checked too). */
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** What an IP address (v4 or v6, no brackets) is. IPv4-mapped and NAT64 forms are judged by the IPv4 address they carry. */
export function classifyAddress(address: string): AddressVerdict {
  const bare = address.replace(/%.*$/, ''); // an IPv6 zone id
  const family = isIP(bare);
  if (family === 4) return IPV4_RULES.find((rule) => rule.list.check(bare, 'ipv4'))?.verdict ?? PUBLIC;
  if (family !== 6) return UNSPECIFIED;
  const words = ipv6Words(bare);
  const embedded = embeddedIpv4(words);
  if (embedded) return classifyAddress(embedded);
  if (words.every((word) => word === 0)) return UNSPECIFIED;
  const rule = IPV6_RULES.find((candidate) => candidate.list.check(bare, 'ipv6'));
  if (rule) return rule.verdict;
  // Outside 2000::/3 everything is reserved (IPv4-compatible ::a.b.c.d, ::ffff:0:a.b.c.d…).
  return GLOBAL_UNICAST.check(bare, 'ipv6') ? PUBLIC : UNSPECIFIED;
}

/** Whether push may connect to this address under the policy. */
export function isAllowed(verdict: AddressVerdict, policy: AddressPolicy): boolean {
  return verdict.kind === 'public' || (policy.allowPrivate && (verdict.kind === 'private' || verdict.kind === 'loopback'));
}

/** The refusal for a resolved address, or null when push may connect to it. */
export function refusalOf(address: string, policy: AddressPolicy): AddressNotAllowedError | null {
  const verdict = classifyAddress(address);
  return isAllowed(verdict, policy) ? null : new AddressNotAllowedError(address, verdict);
}

/**
 * The save-time check of a URL's host: an IP literal in any notation (the WHATWG parser has
 * already turned `2130706433` and `0x7f.1` into `127.0.0.1`), `localhost` and well-known
 * metadata names. Other names are judged when they resolve, at connect time.
 */
export function hostRefusal(url: URL, policy: AddressPolicy): AddressNotAllowedError | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname.replace(/\.$/, '').toLowerCase();
  if (isIP(host)) return refusalOf(host, policy);
  if (METADATA_NAMES.has(host)) return new AddressNotAllowedError(host, { kind: 'special', label: 'cloud metadata' });
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return policy.allowPrivate ? null : new AddressNotAllowedError(host, { kind: 'loopback', label: 'loopback' });
  }
  return null;
}

/** `dns.lookup` that fails when any address of the name is refused: a name mixing allowed and refused addresses is refused. */
export function guardedLookup(policy: AddressPolicy, resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.map((entry) => refusalOf(entry.address, policy)).find((refusal) => refusal !== null);
      if (refused) return callback(Object.assign(refused, { hostname }) as NodeJS.ErrnoException, '', 0);
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * The undici connector push uses: an IP literal is checked before the socket opens (Node skips
 * the lookup for those), a name through `guardedLookup` on every address it resolves to.
 */
export function guardedConnector(policy: AddressPolicy, options: { timeout: number }): buildConnector.connector {
  const connect = buildConnector({ timeout: options.timeout, lookup: guardedLookup(policy) });
  return (connectOptions, callback) => {
    const host = connectOptions.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host)) {
      const refusal = refusalOf(host, policy);
      if (refusal) {
        queueMicrotask(() => callback(refusal, null));
        return;
      }
    }
    return connect(connectOptions, callback);
  };
}

export function isAddressRefusal(error: unknown): error is AddressNotAllowedError {
  return error instanceof AddressNotAllowedError;
}

/** An IPv6 address as its eight 16-bit words. */
function ipv6Words(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((word) => parseInt(word, 16));
}

/** The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or NAT64 well-known-prefix (`64:ff9b::a.b.c.d`) address. */
function embeddedIpv4(words: number[]): string | null {
  const mapped = words.slice(0, 5).every((word) => word === 0) && words[5] === 0xffff;
  const nat64 = words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((word) => word === 0);
  if (!mapped && !nat64) return null;
  const [high, low] = [words[6]!, words[7]!];
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}
