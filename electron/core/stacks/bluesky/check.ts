/**
 * The outside-in check of a Bluesky PDS (core/check), as the Bluesky app, relays and other services
 * see it through the public URL: the PDS answers _health and describeServer on its host, lists its
 * repositories; for each account the DID document in the PLC directory the PDS registers with must
 * point at the public PDS URL and name the handle, the handle must resolve over HTTPS
 * (https://<handle>/.well-known/atproto-did) to the account's DID, and the relay must know the repo
 * (com.atproto.sync.getRepoStatus; a relay that does not answer leaves the item unknown).
 */
import type { CheckSpec } from '../types';

export const blueskyCheck: CheckSpec = {
  plcUrlEnv: { service: 'pds', env: 'PDS_DID_PLC_URL' },
  relaysEnv: { service: 'pds', env: 'PDS_CRAWLERS' },
  probes: [
    {
      id: 'pds-health',
      title: 'The health check of https://{{host.pds}}',
      method: 'GET',
      url: 'https://{{host.pds}}/xrpc/_health',
      as: 'atproto',
      expect: { status: 200, contentType: 'json', present: ['version'] },
      adviceKey: 'pds-health',
      advice: 'the Bluesky app cannot use this PDS; check that it has finished starting',
    },
    {
      id: 'describe-server',
      title: 'describeServer of https://{{host.pds}}',
      method: 'GET',
      url: 'https://{{host.pds}}/xrpc/com.atproto.server.describeServer',
      as: 'atproto',
      expect: { status: 200, contentType: 'json', equals: { did: 'did:web:{{host.pds}}' }, contains: { availableUserDomains: '.{{domain}}' } },
      uncached: true,
      adviceKey: 'describe-server',
      advice: 'apps read the server’s name and handle domain there; check the PDS hostname and handle domain settings',
    },
    {
      id: 'repos',
      title: 'The list of repositories of https://{{host.pds}}',
      method: 'GET',
      url: 'https://{{host.pds}}/xrpc/com.atproto.sync.listRepos?limit=100',
      as: 'atproto',
      expect: { status: 200, contentType: 'json', present: ['repos'] },
      accounts: 'repos[active=true].did',
      uncached: true,
      adviceKey: 'repos',
      advice: 'relays crawl the accounts from this list; check that the PDS has finished starting',
    },
    {
      id: 'did-document',
      title: 'The DID document of {{account.did}}',
      target: 'plc',
      each: 'account',
      when: { value: '{{account.did}}', matches: '^did:plc:' },
      method: 'GET',
      url: '{{plc}}/{{account.did}}',
      as: 'atproto',
      expect: {
        status: 200,
        contentType: 'json',
        equals: { id: '{{account.did}}', 'service[type=AtprotoPersonalDataServer].serviceEndpoint': 'https://{{host.pds}}' },
        present: ['alsoKnownAs[0]'],
      },
      capture: { handle: { path: 'alsoKnownAs[0]', removePrefix: 'at://' } },
      adviceKey: 'did-document',
      advice:
        'the rest of the network looks for the account’s posts where it says; update the identity from this PDS (its PDS address must be https://{{host.pds}})',
    },
    {
      id: 'handle',
      title: 'The handle @{{account.handle}}',
      each: 'account',
      method: 'GET',
      url: 'https://{{account.handle}}/.well-known/atproto-did',
      as: 'atproto',
      expect: { status: 200, text: '{{account.did}}' },
      uncached: true,
      adviceKey: 'handle',
      advice: 'the handle shows as invalid in the Bluesky app; make sure the wildcard name *.{{domain}} is routed to this PDS through the tunnel',
    },
    {
      id: 'relay',
      title: 'The relay’s view of @{{account.handle}}',
      target: 'relay',
      each: 'account',
      method: 'GET',
      url: '{{relay}}/xrpc/com.atproto.sync.getRepoStatus?did={{account.did}}',
      as: 'atproto',
      expect: { status: 200, contentType: 'json', equals: { did: '{{account.did}}', active: 'true' } },
      adviceKey: 'relay-crawl',
      advice:
        'nobody on Bluesky sees its posts until the relay crawls this PDS; ask the relay to crawl it (engawa pds announce), then check again in a few minutes',
    },
  ],
};
