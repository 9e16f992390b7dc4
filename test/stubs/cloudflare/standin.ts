/**
 * A stand-in for the cloudflared image, built from local/busybox-httpd:1 (there is no registry):
 * it runs as cloudflared's user (65532) with the same entrypoint, records how it was started
 * (/standin/argv, uid, env), serves `/ready` on the metrics port, and answers
 * `cloudflared tunnel … ready` from it, so the connector's health check passes. Used by the
 * integration tests and the e2e suite, mapped in place of CLOUDFLARED_IMAGE by an image map.
 */
import type Dockerode from 'dockerode';
import { tarFiles } from '../../../electron/core/util/tar-write';

/** The stand-in's tag. */
export const STANDIN = 'local/cloudflared-standin:1';

/** The stand-in: records argv, uid and env, then serves /ready on the metrics port; `… ready` checks it. */
const STANDIN_SCRIPT = `#!/bin/sh
for a in "$@"; do
  if [ "$a" = ready ]; then timeout 3 wget -q -O /dev/null http://127.0.0.1:20241/ready; exit $?; fi
done
echo "$*" > /standin/argv
id -u > /standin/uid
env > /standin/env
mkdir -p /standin/www && echo '{"status":200,"readyConnections":4}' > /standin/www/ready
exec httpd -f -p 20241 -h /standin/www
`;

const DOCKERFILE = `FROM local/busybox-httpd:1
COPY cloudflared /bin/cloudflared
RUN mkdir /standin && chown 65532:65532 /standin
USER 65532:65532
ENTRYPOINT ["cloudflared", "--no-autoupdate"]
CMD ["version"]
`;

/** Builds (or, from the build cache, re-tags) the stand-in image as STANDIN on `docker`. */
export function buildStandin(docker: Dockerode): Promise<void> {
  return buildScriptImage(docker, STANDIN, DOCKERFILE, STANDIN_SCRIPT);
}

/**
 * Builds `tag` on `docker` from a Dockerfile whose context holds one executable file, `cloudflared`,
 * with `script` in it (how every cloudflared stand-in is made). Fails with the build's own error.
 */
export async function buildScriptImage(docker: Dockerode, tag: string, dockerfile: string, script: string): Promise<void> {
  const stream = await docker.buildImage(
    tarFiles([
      { path: 'Dockerfile', content: dockerfile, mode: 0o644, uid: 0, gid: 0 },
      { path: 'cloudflared', content: script, mode: 0o755, uid: 0, gid: 0 },
    ]) as unknown as NodeJS.ReadableStream,
    { t: tag },
  );
  const out = await new Promise<unknown[]>((resolve, reject) => docker.modem.followProgress(stream, (e, r) => (e ? reject(e) : resolve(r ?? []))));
  const failed = out.find((m) => typeof m === 'object' && m !== null && 'error' in m);
  if (failed) throw new Error(`stand-in build failed: ${JSON.stringify(failed)}`);
}
