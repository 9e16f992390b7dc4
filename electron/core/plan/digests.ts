/**
 * Images by digest. A recipe names each official image by an exact tag, for people; a tag can be
 * moved (on the registry, or on this computer by any `docker tag`), so where the official digest
 * of that tag is recorded here, Engawa pulls and runs `repository@digest` instead. An image present
 * under the tag but with other content then does not count: it is not that digest, so it is pulled
 * again (engine/images.ts asks Docker for the digest reference, which only the right content has).
 *
 * The digests are recorded at release time by `scripts/pin-digests.ts`, which asks each image's
 * registry (registry API v2) for the digest its tag has then (the multi-platform index, so every
 * platform resolves), and rewrites DIGESTS below; a release checks that every image of every recipe
 * has one. This checkout was made where no registry can be reached, so none are recorded yet and
 * the tags are used as they are.
 * Images given by the environment (test images, mirrors: `ENGAWA_IMAGES`) are never pinned.
 */

/** A digest as registries give it. */
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** official image (`repository:tag`, as in the recipes) → the digest recorded for that tag */
export const DIGESTS: Readonly<Record<string, string>> = {
  // recorded by scripts/pin-digests.ts
};

/** `repository:tag` → `repository` (a registry host's port is not a tag). */
export function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  const named = at < 0 ? ref : ref.slice(0, at);
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  return colon > slash ? named.slice(0, colon) : named;
}

/**
 * The reference to pull and run for `official`: `repository@digest` when a digest is recorded for
 * it, else `official` itself. A malformed recorded digest is a bug of the table and throws.
 */
export function pinnedImage(official: string, digests: Readonly<Record<string, string>> = DIGESTS): string {
  if (!Object.hasOwn(digests, official)) return official;
  const digest = digests[official] as string;
  if (!DIGEST.test(digest)) throw new Error(`The digest recorded for ${official} is not a sha256 digest: "${digest}".`);
  return `${repositoryOf(official)}@${digest}`;
}

/** The reference to pull and run for `official`: the environment's own image when it gives one (never pinned), else `pinnedImage`. */
export function imageToRun(official: string, images: Readonly<Record<string, string>>, digests: Readonly<Record<string, string>> = DIGESTS): string {
  return Object.hasOwn(images, official) ? (images[official] as string) : pinnedImage(official, digests);
}
