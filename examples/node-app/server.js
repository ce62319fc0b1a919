// `node server.js` (or `pnpm start` here): the example app on http://127.0.0.1:3001/.
import { buildApp } from './app.js';

const app = await buildApp();
const address = await app.listen({
  port: Number(process.env.PORT ?? 3001),
  host: process.env.HOST || '127.0.0.1',
});
console.log(`Acme intranet (node-app example) at ${address}/ with videoconf under ${address}/meet`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
