// `node ./streaming/index.js` in the streaming image: the stand-in's streaming server.
import('/standin/standin.mjs').then((m) => m.main(['mastodon-streaming', ...process.argv.slice(2)]));
