/**
 * The outside-in check of a Misskey server (core/check): what other servers ask first, through the
 * public URL. WebFinger finds the account's actor (Misskey: https://<domain>/users/<id>, an id, not
 * the name), NodeInfo (2.1 and 2.0) names the software, the actor is fetched as ActivityPub JSON,
 * and the shared inbox must refuse an unsigned POST with 401. Each request is repeated as a
 * fediverse server, since Cloudflare's Bot Fight Mode challenges only those.
 */
import type { CheckSpec } from '../types';

const JSON_TYPE = 'json';
const ACTIVITY_JSON = '^application/(activity|ld)\\+json';
const SELF_LINK = 'links[rel=self,type=application/activity+json].href';
const NODEINFO_LINK = 'links[rel^=http://nodeinfo.diaspora.software/ns/schema/2.].href';
const NODEINFO_ADVICE = 'servers and directories use it to see what runs here; check that the server has finished starting';

export const misskeyCheck: CheckSpec = {
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
      expect: { status: 200, contentType: JSON_TYPE, equals: { subject: 'acct:{{admin}}@{{domain}}' }, present: [SELF_LINK] },
      capture: { actor: { path: SELF_LINK } },
      alsoAsFediverse: true,
      uncached: true,
      adviceKey: 'webfinger',
      advice: 'other servers cannot find the account; make sure the account {{admin}} exists and federation is turned on in the control panel',
    },
    {
      id: 'nodeinfo',
      title: 'NodeInfo discovery of {{domain}}',
      method: 'GET',
      url: 'https://{{domain}}/.well-known/nodeinfo',
      as: 'browser',
      accept: 'application/json',
      expect: { status: 200, contentType: JSON_TYPE, present: [NODEINFO_LINK] },
      capture: { nodeinfo: { path: NODEINFO_LINK } },
      alsoAsFediverse: true,
      adviceKey: 'nodeinfo',
      advice: NODEINFO_ADVICE,
    },
    {
      id: 'nodeinfo-document',
      title: 'The NodeInfo document of {{domain}}',
      method: 'GET',
      url: '{{capture.nodeinfo}}',
      as: 'browser',
      accept: 'application/json',
      expect: { status: 200, contentType: JSON_TYPE, equals: { 'software.name': 'misskey' }, present: ['software.version'] },
      alsoAsFediverse: true,
      adviceKey: 'nodeinfo',
      advice: NODEINFO_ADVICE,
    },
    {
      id: 'actor',
      title: 'The ActivityPub actor of {{admin}}',
      method: 'GET',
      url: '{{capture.actor}}',
      as: 'browser',
      accept: 'application/activity+json',
      expect: { status: 200, contentType: ACTIVITY_JSON, equals: { id: '{{capture.actor}}' }, present: ['publicKey.id', 'publicKey.publicKeyPem', 'inbox'] },
      capture: { sharedInbox: { path: 'endpoints.sharedInbox' } },
      alsoAsFediverse: true,
      uncached: true,
      adviceKey: 'actor',
      advice: 'other servers cannot follow the account or check its signatures; make sure federation is turned on in the control panel',
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
      advice:
        'it must refuse an unsigned delivery with 401 and take signed ones, so posts from other servers can arrive; make sure federation is turned on in the control panel',
    },
  ],
};
