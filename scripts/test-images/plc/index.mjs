// Entry of the local PLC test image: an in-memory did:plc directory on 0.0.0.0:$PLC_PORT (default
// 2582). PID 1 here, so SIGTERM needs a handler: stop serving, then exit.
import plc from '@did-plc/server';

const { PlcServer, Database } = plc;
const port = Number(process.env.PLC_PORT ?? 2582);

const server = PlcServer.create({ db: Database.mock(), port });
await server.start();
console.log(`plc directory (in memory) listening on port ${port}`);

process.on('SIGTERM', async () => {
  await server.destroy();
  process.exit(0);
});
