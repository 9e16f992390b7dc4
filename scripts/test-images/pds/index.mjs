// Entry of the local PDS test image: what upstream's service/index.js does (env → config → PDS,
// clean shutdown on SIGTERM), without its /tls-check route, which only Caddy's on-demand TLS uses.
import { createRequire } from 'node:module';
import atproto from '@atproto/pds';

const { PDS, envToCfg, envToSecrets, readEnv, httpLogger } = atproto;
const { version } = createRequire(import.meta.url)('@atproto/pds/package.json');

const env = readEnv();
env.version ||= version;
const pds = await PDS.create(envToCfg(env), envToSecrets(env));
await pds.start();
httpLogger.info('pds has started');

process.on('SIGTERM', async () => {
  httpLogger.info('pds is stopping');
  await pds.destroy();
  httpLogger.info('pds is stopped');
});
