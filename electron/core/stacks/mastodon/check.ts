/**
 * The outside-in check of a Mastodon server (core/check): what other servers ask first, through the
 * public URL. WebFinger finds the account's actor (Mastodon: https://<domain>/users/<name>), NodeInfo
 * names the software, the actor is fetched as ActivityPub JSON, and the shared inbox must refuse an
 * unsigned POST with 401. Each request is repeated as a fediverse server, since Cloudflare's Bot
 * Fight Mode challenges only those.
 */
import type { CheckSpec } from '../types';

const JSON_TYPE = 'json';
const ACTIVITY_JSON = '^application/(activity|ld)\\+json';

export const mastodonCheck: CheckSpec = {
  probes: [
    {
      id: 'host-meta',
      title: 'The host-meta document of {{domain}}',
      method: 'GET',
      url: 'https://{{domain}}/.well-known/host-meta',
      as: 'browser',
      expect: { status: 200, contentType: 'xml', includes: 'https://{{domain}}/.well-known/webfinger?resource={uri}' },
      alsoAsFediverse: true,
      adviceKey: 'host-meta',
      advice: 'some servers look for WebFinger there; check that the server has finished starting and that nothing in front of it rewrites /.well-known',
    },
    {
      id: 'webfinger',
      title: 'WebFinger for {{admin}}@{{domain}}',
      method: 'GET',
      url: 'https://{{domain}}/.well-known/webfinger?resource=acct:{{admin}}@{{domain}}',
      as: 'browser',
      accept: 'application/jrd+json, application/json',
      expect: {
        status: 200,
        contentType: JSON_TYPE,
        equals: { subject: 'acct:{{admin}}@{{domain}}' },
        present: ['links[rel=self,type=application/activity+json].href'],
      },
      capture: { actor: { path: 'links[rel=self,type=application/activity+json].href' } },
      alsoAsFediverse: true,
      uncached: true,
      adviceKey: 'webfinger',
      advice: 'other servers cannot find the account; make sure the account {{admin}} exists and the server has finished starting',
    },
    {
      id: 'nodeinfo',
      title: 'NodeInfo discovery of {{domain}}',
      method: 'GET',
      url: 'https://{{domain}}/.well-known/nodeinfo',
      as: 'browser',
      accept: 'application/json',
      expect: { status: 200, contentType: JSON_TYPE, present: ['links[rel^=http://nodeinfo.diaspora.software/ns/schema/2.].href'] },
      capture: { nodeinfo: { path: 'links[rel^=http://nodeinfo.diaspora.software/ns/schema/2.].href' } },
      alsoAsFediverse: true,
      adviceKey: 'nodeinfo',
      advice: 'servers and directories use it to see what runs here; check that the server has finished starting',
    },
    {
      id: 'nodeinfo-document',
      title: 'The NodeInfo document of {{domain}}',
      method: 'GET',
      url: '{{capture.nodeinfo}}',
      as: 'browser',
      accept: 'application/json',
      expect: { status: 200, contentType: JSON_TYPE, equals: { 'software.name': 'mastodon' }, present: ['software.version'] },
      alsoAsFediverse: true,
      adviceKey: 'nodeinfo',
      advice: 'servers and directories use it to see what runs here; check that the server has finished starting',
    },
    {
      id: 'actor',
      title: 'The ActivityPub actor of {{admin}}',
      method: 'GET',
      url: '{{capture.actor}}',
      as: 'browser',
      accept: 'application/activity+json',
      expect: {
        status: 200,
        contentType: ACTIVITY_JSON,
        equals: { id: '{{capture.actor}}' },
        present: ['publicKey.id', 'publicKey.publicKeyPem', 'inbox'],
      },
      capture: { sharedInbox: { path: 'endpoints.sharedInbox' } },
      alsoAsFediverse: true,
      uncached: true,
      adviceKey: 'actor',
      advice:
        'other servers cannot follow the account or check its signatures; make sure the server has finished starting and that secure mode (AUTHORIZED_FETCH) is off',
    },
    {
      id: 'shared-inbox',
      title: 'The shared inbox of {{domain}}',
      method: 'POST',
      url: '{{capture.sharedInbox}}',
      as: 'browser',
      body: { contentType: 'application/activity+json', text: '{}' },
      expect: { status: 401 },
      alsoAsFediverse: true,
      adviceKey: 'shared-inbox',
      advice: 'it must refuse an unsigned delivery with 401 and take signed ones, so posts from other servers can arrive; check that the server is running',
    },
  ],
};
