/**
 * Images by digest on the real engine, with a real registry: the distribution registry from
 * Debian (local/registry:2) on 127.0.0.1, which Docker trusts without TLS. Two images are pushed
 * under one tag in turn, so the tag moves as it can on any registry; a recipe's image pinned to the
 * first digest is pulled and run as that content even when the tag names other content, on the
 * registry or on this computer. scripts/pin-digests.ts reads the digests from the same registry.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../electron/core/engine/engine';
import { imageExists } from '../../electron/core/engine/images';
import { pinnedImage } from '../../electron/core/plan/digests';
import { plan } from '../../electron/core/stacks/plan';
import type { Recipe } from '../../electron/core/stacks/types';
import type { Progress } from '../../electron/core/util/progress';
import { resolveDigest } from '../../scripts/pin-digests';
import { docker, eventually } from './helpers';

const d = docker();
const engine = new DockerEngine(d);
const id = randomBytes(3).toString('hex');
const registryName = `engawa-t-registry-${id}`;
let host = '';
let ref = '';
/** image ids and registry digests of the two contents pushed under `ref` */
const first = { id: '', digest: '' };
const second = { id: '', digest: '' };
const project = `engawa-t-dig-${id}`;

/** Builds a one-file image on top of the busybox stand-in, so two contents differ. */
async function buildImage(tag: string, content: string): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  execFileSync('docker', ['build', '-q', '-t', tag, '-'], {
    input: `FROM local/busybox-httpd:1\nRUN echo ${content} > /www/which.txt\n`,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  return (await d.getImage(tag).inspect()).Id;
}

/** Pushes `tag` to the test registry and returns the digest the registry gave. */
async function push(tag: string): Promise<string> {
  const stream = await d.getImage(tag).push({ authconfig: { serveraddress: host } }); // Docker wants the header, even empty
  let digest = '';
  await new Promise<void>((resolve, reject) =>
    d.modem.followProgress(
      stream,
      (e: unknown) => (e ? reject(e as Error) : resolve()),
      (ev: { aux?: { Digest?: string }; error?: string }) => {
        if (ev.error) reject(new Error(ev.error));
        if (ev.aux?.Digest) digest = ev.aux.Digest;
      },
    ),
  );
  return digest;
}

function recipe(image: string): Recipe {
  return {
    id: 'digest-test',
    name: 'Digest test',
    version: '1.0.0',
    summary: { en: 'test', ja: 'テスト' },
    memoryMiB: 16,
    testOnly: true,
    secrets: [],
    volumes: [],
    services: [{ name: 'web', image, command: ['httpd', '-f', '-p', '8080', '-h', '/www'], ports: [{ name: 'web', container: 8080 }] }],
    setup: [],
    ingress: [],
    web: { service: 'web', port: 'web', healthPath: '/', publicHost: '{{domain}}' },
    admin: { kind: 'none' },
  };
}

beforeAll(async () => {
  const c = await d.createContainer({
    name: registryName,
    Image: 'local/registry:2',
    HostConfig: { PortBindings: { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] } },
    ExposedPorts: { '5000/tcp': {} },
  });
  await c.start();
  const port = (await c.inspect()).NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort;
  host = `127.0.0.1:${port}`;
  ref = `${host}/engawa-test/web:1`;
  await eventually(async () => ((await fetch(`http://${host}/v2/`).catch(() => undefined))?.ok ? true : undefined), 20_000, 'the registry');
  first.id = await buildImage(ref, `first-${id}`);
  first.digest = await push(ref);
  second.id = await buildImage(`${ref}-second`, `second-${id}`);
});

afterAll(async () => {
  await engine.remove(project).catch(() => undefined);
  await d
    .getContainer(registryName)
    .remove({ force: true, v: true })
    .catch(() => undefined);
  for (const tag of [ref, `${ref}-second`, pinnedImage(ref, { [ref]: first.digest })])
    await d
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
});

describe('images pinned by digest', () => {
  it('pin-digests reads the digest a tag names from the registry (what a push reported)', async () => {
    expect(first.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(await resolveDigest(ref)).toBe(first.digest);
  });

  it('a pinned image missing here is pulled by its digest and the service runs that content', async () => {
    await d.getImage(ref).remove({ force: true }); // not on this computer any more
    const p = plan(recipe(ref), { instance: `t-dig-${id}`, domain: 'digest.example.com', secrets: {}, digests: { [ref]: first.digest } });
    const web = p.services[0]!;
    expect(web.image).toBe(`${host}/engawa-test/web@${first.digest}`);
    expect(web.officialImage).toBe(ref); // the tag stays for people
    const progress: Progress[] = [];
    await engine.apply(p, { onProgress: (e) => progress.push(e) });
    expect(progress).toContainEqual({ kind: 'step', step: `image:${web.image}`, state: 'done' });
    const info = await d.getContainer(web.containerName).inspect();
    expect(info.Image).toBe(first.id);
    await engine.remove(p.project);
  });

  it('the tag moved (on the registry and here): the pinned image is still the recorded content, pulled again', async () => {
    // the registry's tag now names the second content, and so does this computer's
    await d.getImage(`${ref}-second`).tag({ repo: ref.slice(0, ref.lastIndexOf(':')), tag: '1' });
    second.digest = await push(ref);
    expect(second.digest).not.toBe(first.digest);
    expect(await resolveDigest(ref)).toBe(second.digest);
    await d
      .getImage(`${host}/engawa-test/web@${first.digest}`)
      .remove({ force: false })
      .catch(() => undefined);
    expect((await d.getImage(ref).inspect()).Id).toBe(second.id);

    const pinned = pinnedImage(ref, { [ref]: first.digest });
    expect(await imageExists(d, ref)).toBe(true); // present under the tag …
    expect(await imageExists(d, pinned)).toBe(false); // … but not with the recorded digest
    const progress: Progress[] = [];
    await engine.ensureImages([pinned], { onProgress: (e) => progress.push(e) });
    expect(progress.filter((e) => e.kind === 'step').map((e) => (e as { state: string }).state)).toEqual(['start', 'done']);
    expect((await d.getImage(pinned).inspect()).Id).toBe(first.id);

    const p = plan(recipe(ref), { instance: `t-dig-${id}`, domain: 'digest.example.com', secrets: {}, digests: { [ref]: first.digest } });
    await engine.apply(p);
    expect((await d.getContainer(p.services[0]!.containerName).inspect()).Image).toBe(first.id);
    // a tag alone is taken as it is: that is what the digest is for
    const unpinned = plan(recipe(ref), { instance: `t-dig-${id}`, domain: 'digest.example.com', secrets: {}, digests: {} });
    expect(unpinned.services[0]!.image).toBe(ref);
  });
});
