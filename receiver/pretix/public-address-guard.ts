// In production a portal's users choose the pretix URL, so the receiver must not become their probe into its own
// network. isPrivateHost refuses IP literals and `localhost` when a connection is added; this guard covers names
// that resolve to such addresses, at the moment of connecting: the socket connects to exactly the address checked
// here, so a name that resolves differently later (DNS rebinding) is checked again on its next connection.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import { isPrivateHost } from '../domain/pretix-url';
import { PRIVATE_ADDRESS_CODE } from './errors';

export type ResolveHost = (hostname: string, family: number) => Promise<LookupAddress[]>;

const systemResolve: ResolveHost = (hostname, family) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family } as LookupAllOptions, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `net.connect` lookup that fails, naming the address, when any address of the name is local or private. */
export function publicOnlyLookup(resolve: ResolveHost = systemResolve) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    resolve(hostname, options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0)).then(
      (addresses) => {
        // Any private answer refuses the name: picking a public one would leave the next lookup free to choose.
        const blocked = addresses.find((entry) => isPrivateHost(entry.address));
        if (blocked) {
          const error: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${blocked.address}, a local or private address; in production the receiver only connects to public pretix instances`);
          error.code = PRIVATE_ADDRESS_CODE;
          return callback(error, []);
        }
        if (addresses.length === 0) {
          const error: NodeJS.ErrnoException = new Error(`${hostname} has no address`);
          error.code = 'ENOTFOUND';
          return callback(error, []);
        }
        if (options.all) return callback(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}

/** `fetch` whose connections only go to public addresses (used for pretix in production). */
export function createPublicOnlyFetch(resolve?: ResolveHost): typeof fetch {
  const dispatcher = new Agent({ connect: { lookup: publicOnlyLookup(resolve) } });
  // undici's own fetch, so that the dispatcher is honoured whatever undici version Node bundles.
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as unknown as typeof fetch;
}
