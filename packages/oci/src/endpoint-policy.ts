import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, BlockList } from 'node:net';
import { OciError } from './errors.js';

/**
 * Which network addresses the client may connect to (DESIGN.md `BERTH_ENDPOINT_POLICY`):
 * - `default` blocks cloud metadata services and link-local addresses, so a registry (or its
 *   token realm, or a redirect) cannot steer Berth to 169.254.169.254;
 * - `strict` also blocks loopback, private and shared ranges, for multi-tenant deployments;
 * - `off` allows everything.
 * The check runs on the resolved address at connect time, so DNS tricks do not bypass it.
 */
export type EndpointPolicy = 'default' | 'strict' | 'off';

const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocal.addSubnet('fe80::', 10, 'ipv6');
linkLocal.addAddress('fd00:ec2::254', 'ipv6'); // AWS IMDS over IPv6
linkLocal.addSubnet('0.0.0.0', 8, 'ipv4');

const internal = new BlockList();
internal.addSubnet('127.0.0.0', 8, 'ipv4');
internal.addSubnet('10.0.0.0', 8, 'ipv4');
internal.addSubnet('172.16.0.0', 12, 'ipv4');
internal.addSubnet('192.168.0.0', 16, 'ipv4');
internal.addSubnet('100.64.0.0', 10, 'ipv4');
internal.addAddress('::1', 'ipv6');
internal.addAddress('::', 'ipv6');
internal.addSubnet('fc00::', 7, 'ipv6');

export function isAddressAllowed(address: string, policy: EndpointPolicy): boolean {
  if (policy === 'off') return true;
  const family = isIP(address);
  if (family === 0) return false;
  let type: 'ipv4' | 'ipv6' = family === 4 ? 'ipv4' : 'ipv6';
  let ip = address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) {
    ip = mapped[1];
    type = 'ipv4';
  }
  if (linkLocal.check(ip, type)) return false;
  if (policy === 'strict' && internal.check(ip, type)) return false;
  return true;
}

export function assertAddressAllowed(host: string, address: string, policy: EndpointPolicy): void {
  if (!isAddressAllowed(address, policy)) throw blockedError(host, address, policy);
}

function blockedError(host: string, address: string, policy: EndpointPolicy): OciError {
  return new OciError(
    'endpoint_blocked',
    `connections to ${host} (${address}) are blocked by the endpoint policy "${policy}"`,
  );
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `dns.lookup` replacement for socket options that refuses addresses the policy blocks. */
export function createPolicyLookup(policy: EndpointPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      const list = addresses;
      for (const a of list) {
        if (!isAddressAllowed(a.address, policy)) {
          callback(blockedError(hostname, a.address, policy), []);
          return;
        }
      }
      if (options.all) callback(null, list);
      else callback(null, list[0]?.address ?? '', list[0]?.family);
    });
  };
}
