/**
 * `tsx scripts/pin-digests.ts [--write | --check]`: the digests of every official image Engawa
 * runs (each recipe at each of its releases, cloudflared, the probe helper), asked of each image's
 * registry through the registry API v2 (a HEAD of the tag's manifest; an anonymous pull token when
 * the registry asks for one, as Docker Hub and GitHub's registry do). The digest is that of what the
 * tag names: for a multi-platform image its index, so every platform resolves it.
 *   (no option)  prints `image digest` lines
 *   --write      rewrites the DIGESTS table of electron/core/plan/digests.ts (run before a release,
 *                where the registries answer, and commit the result)
 *   --check      exits 1 naming every image without a recorded digest, or whose recorded digest is
 *                not what its tag names now (a moved tag is a change to test, not to take blindly)
 * Plain HTTP is used only for a registry on this computer's loopback (the tests' local registry).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROBE_IMAGE } from '../electron/core/engine/vm-probe';
import { DIGEST, DIGESTS } from '../electron/core/plan/digests';
import { listRecipes } from '../electron/core/stacks/registry';
import { recipeAt, releasesOf } from '../electron/core/stacks/releases';
import { CLOUDFLARED_IMAGE } from '../electron/core/tunnel/connector';
import { writeFileAtomic } from '../electron/core/util/atomic';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

/** Where an image reference lives: registry host, repository path, tag. */
export interface ImageName {
  host: string;
  repository: string;
  tag: string;
}

/** Parses `[host/]path:tag` the way Docker does (no host: Docker Hub, and `library/` for one-part names). */
export function parseImageName(ref: string): ImageName {
  if (ref.includes('@')) throw new Error(`${ref} is already a digest reference`);
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost';
  const rest = hasHost ? ref.slice(slash + 1) : ref;
  const colon = rest.lastIndexOf(':');
  if (colon <= 0 || rest.slice(colon + 1) === '') throw new Error(`${ref} names no tag`);
  const repo = rest.slice(0, colon);
  const host = hasHost ? first : 'registry-1.docker.io';
  return {
    host: host === 'docker.io' ? 'registry-1.docker.io' : host,
    repository: !hasHost && !repo.includes('/') ? `library/${repo}` : repo,
    tag: rest.slice(colon + 1),
  };
}

/** http for a registry on loopback only, https everywhere else. */
function baseUrl(host: string): string {
  const name = host.replace(/:\d+$/, '');
  return `${name === '127.0.0.1' || name === 'localhost' || name === '[::1]' ? 'http' : 'https'}://${host}`;
}

/** An anonymous token from the registry's auth server, as its WWW-Authenticate header describes it. */
async function anonymousToken(challenge: string, fetchImpl: typeof fetch): Promise<string> {
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!/^Bearer /i.test(challenge) || params.realm === undefined) throw new Error(`the registry asks for a sign-in Engawa cannot give (${challenge})`);
  const url = new URL(params.realm);
  for (const k of ['service', 'scope']) if (params[k] !== undefined) url.searchParams.set(k, params[k]);
  const res = await fetchImpl(url);
  if (!res.ok) throw new Error(`the registry's token server answered ${res.status}`);
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (typeof token !== 'string' || token === '') throw new Error("the registry's token server gave no token");
  return token;
}

/** The digest `ref`'s tag names now on its registry. */
export async function resolveDigest(ref: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  const name = parseImageName(ref);
  const url = `${baseUrl(name.host)}/v2/${name.repository}/manifests/${encodeURIComponent(name.tag)}`;
  const ask = (token?: string) =>
    fetchImpl(url, { method: 'HEAD', headers: { Accept: MANIFEST_TYPES, ...(token !== undefined && { Authorization: `Bearer ${token}` }) } });
  let res = await ask();
  if (res.status === 401) res = await ask(await anonymousToken(res.headers.get('www-authenticate') ?? '', fetchImpl));
  if (!res.ok) throw new Error(`${ref}: the registry answered ${res.status}`);
  const digest = res.headers.get('docker-content-digest') ?? '';
  if (!DIGEST.test(digest)) throw new Error(`${ref}: the registry gave no sha256 digest ("${digest}")`);
  return digest;
}

/** Every official image Engawa runs, sorted, each once. */
export function officialImages(): string[] {
  const all = new Set<string>([CLOUDFLARED_IMAGE, PROBE_IMAGE]);
  for (const recipe of listRecipes()) {
    if (recipe.testOnly === true) continue;
    for (const release of releasesOf(recipe)) for (const s of recipeAt(recipe, release.version).services) all.add(s.image);
  }
  return [...all].sort();
}

/** The source of digests.ts with its DIGESTS table replaced by `digests`. */
export function withTable(source: string, digests: Record<string, string>): string {
  const start = source.indexOf('export const DIGESTS');
  const end = source.indexOf('};', start);
  if (start < 0 || end < 0) throw new Error('digests.ts has no DIGESTS table');
  const rows = Object.keys(digests)
    .sort()
    .map((k) => {
      if (!/^[\w.:/@-]+$/.test(k) || !DIGEST.test(digests[k] ?? '')) throw new Error(`not an image and its digest: ${k}`);
      return `  '${k}': '${digests[k]}',`; // the quotes prettier keeps
    });
  const table = ['export const DIGESTS: Readonly<Record<string, string>> = {', '  // recorded by scripts/pin-digests.ts', ...rows, ''].join('\n');
  return source.slice(0, start) + table + source.slice(end);
}

async function main(argv: string[]): Promise<number> {
  const mode = argv[0] ?? 'print';
  const images = officialImages();
  const found: Record<string, string> = {};
  const problems: string[] = [];
  for (const image of images) {
    try {
      found[image] = await resolveDigest(image);
    } catch (e) {
      problems.push(`${image}: ${(e as Error).message}`);
    }
  }
  if (mode === '--check') {
    for (const image of images) {
      const recorded = DIGESTS[image];
      if (recorded === undefined) problems.push(`${image}: no digest recorded (run tsx scripts/pin-digests.ts --write)`);
      else if (found[image] !== undefined && found[image] !== recorded)
        problems.push(`${image}: the tag now names ${found[image]}, not the recorded ${recorded}`);
    }
    for (const p of problems) console.error(`pin-digests: ${p}`);
    return problems.length === 0 ? 0 : 1;
  }
  if (problems.length > 0) {
    for (const p of problems) console.error(`pin-digests: ${p}`);
    return 1;
  }
  if (mode === '--write') {
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'electron', 'core', 'plan', 'digests.ts');
    await writeFileAtomic(file, withTable(await readFile(file, 'utf8'), found));
    console.log(`pin-digests: recorded ${images.length} digests in ${path.relative(process.cwd(), file)}`);
    return 0;
  }
  for (const image of images) console.log(`${image} ${found[image]}`);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`pin-digests: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
