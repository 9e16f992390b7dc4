/**
 * The offline Bluesky world the PDS integration tests share: the PDS and PLC images the kit pins
 * (test/kit/pds), the settings that keep the PDS off the internet, a 1×1 PNG, the AT Protocol
 * client from test/kit/client, and an in-memory PLC directory on the instance network.
 * Images: `bash scripts/build-test-images.sh`; client: `npm ci --prefix test/kit/client`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { blueskyRecipe } from '../../electron/core/stacks/bluesky/recipe';
import { eventually, LOCAL_IMAGES, REPO } from './helpers';

const kit = JSON.parse(readFileSync(path.join(REPO, 'test/kit/pds/package.json'), 'utf8')) as { dependencies: Record<string, string> };

/** The @atproto/pds version the kit pins (what the PDS reports as its version). */
export const PDS_VERSION = kit.dependencies['@atproto/pds'] as string;
/** The local PDS image, standing in for the official one. */
export const PDS_IMAGE = `local/pds:${PDS_VERSION}`;
/** The local in-memory PLC directory image. */
export const PLC_IMAGE = `local/plc:${kit.dependencies['@did-plc/server']}`;

const prevKit = JSON.parse(readFileSync(path.join(REPO, 'test/kit/pds-prev/package.json'), 'utf8')) as { dependencies: Record<string, string> };

/** The earlier @atproto/pds version test/kit/pds-prev pins, for update tests. */
export const PREV_PDS_VERSION = prevKit.dependencies['@atproto/pds'] as string;
/** The local image of that earlier PDS release. */
export const PREV_PDS_IMAGE = `local/pds:${PREV_PDS_VERSION}`;

/** The image map for Engawa (ENGAWA_IMAGES, as JSON): the test images plus the recipe's PDS image → PDS_IMAGE. */
export const PDS_IMAGES: Record<string, string> = { ...LOCAL_IMAGES, [blueskyRecipe.services[0]?.image as string]: PDS_IMAGE };

/** `--set` arguments so that nothing may try the internet: the local PLC, no relays, no app view, no report service. */
export const OFFLINE: readonly string[] = [
  'pds.PDS_DID_PLC_URL=http://plc:2582',
  'pds.PDS_CRAWLERS=',
  'pds.PDS_BSKY_APP_VIEW_URL=',
  'pds.PDS_BSKY_APP_VIEW_DID=',
  'pds.PDS_REPORT_SERVICE_URL=',
  'pds.PDS_REPORT_SERVICE_DID=',
].flatMap((s) => ['--set', s]);

/** A valid 1×1 PNG (a truncated one makes the PDS's type sniffer fail). */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** A blob reference as @atproto/api returns it. */
export interface BlobRef {
  ref: { toString(): string };
  mimeType: string;
  size: number;
}

/** The part of @atproto/api's AtpAgent the tests use (loaded from the kit, outside the app's dependency tree). */
export interface Agent {
  login(opts: { identifier: string; password: string }): Promise<unknown>;
  did?: string;
  uploadBlob(data: Uint8Array, opts: { encoding: string }): Promise<{ data: { blob: BlobRef } }>;
  post(record: Record<string, unknown>): Promise<{ uri: string; cid: string }>;
  com: {
    atproto: {
      repo: { getRecord(q: { repo: string; collection: string; rkey: string }): Promise<{ data: { value: Record<string, unknown> } }> };
      sync: { getBlob(q: { did: string; cid: string }): Promise<{ data: Uint8Array }> };
      identity: { getRecommendedDidCredentials(): Promise<{ data: { rotationKeys?: string[]; verificationMethods?: Record<string, string> } }> };
    };
  };
}

/** The AtpAgent constructor. */
export type AgentClass = new (opts: { service: string; fetch?: typeof fetch }) => Agent;

/** Loads AtpAgent from test/kit/client; says how to install the kit when it is missing. */
export function loadAtpAgent(): AgentClass {
  const require = createRequire(path.join(REPO, 'test/kit/client/package.json'));
  try {
    return (require('@atproto/api') as { AtpAgent: AgentClass }).AtpAgent;
  } catch {
    throw new Error('The client kit is missing: run npm ci --prefix test/kit/client');
  }
}

/** Fails with what to run when the PDS or PLC image is not on the engine. */
export async function requirePdsImages(docker: Dockerode): Promise<void> {
  for (const image of [PDS_IMAGE, PLC_IMAGE]) {
    await docker
      .getImage(image)
      .inspect()
      .catch(() => {
        throw new Error(`${image} is missing: run bash scripts/build-test-images.sh`);
      });
  }
}

/** A running in-memory PLC directory. */
export interface Plc {
  container: Dockerode.Container;
  /** its port 2582 as published on 127.0.0.1 */
  port: number;
  /** Removes the container (force, with its anonymous volumes). */
  remove(): Promise<void>;
}

/**
 * Starts the PLC directory as `<project>-plc-test` on `network` (which must exist) under the alias
 * `plc`, its port published on 127.0.0.1, and waits until it answers /_health.
 */
export async function startPlc(docker: Dockerode, network: string, project: string): Promise<Plc> {
  const container = await docker.createContainer({
    name: `${project}-plc-test`,
    Image: PLC_IMAGE,
    ExposedPorts: { '2582/tcp': {} },
    HostConfig: { NetworkMode: network, PortBindings: { '2582/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ['plc'] } } },
  });
  const remove = () => container.remove({ force: true, v: true }) as Promise<void>;
  try {
    await container.start();
    const port = Number((await container.inspect()).NetworkSettings.Ports['2582/tcp']?.[0]?.HostPort);
    // with a timeout: a connection made through the published port before the server listens can hang
    const healthy = () =>
      fetch(`http://127.0.0.1:${port}/_health`, { signal: AbortSignal.timeout(1_000) }).then(
        (r) => r.ok || undefined,
        () => undefined,
      );
    await eventually(healthy, 30_000, 'the PLC directory');
    return { container, port, remove };
  } catch (e) {
    await remove().catch(() => undefined);
    throw e;
  }
}
