// The ESM consumer app of test/dist: a Fastify app of its own mounting `conferencePlugin` at
// `/videoconf`, on memoryStorage() or, with DATABASE_URL, sequelizeStorage(). Runs from the
// scratch app where the packed tarballs are installed, never from the workspace.
import {
  clientErrorHandler,
  conferencePlugin,
  frameworkErrors,
  memoryStorage,
} from '@videoconf/server';
import { sequelizeStorage } from '@videoconf/server/sequelize';
import Fastify from 'fastify';

const { PORT, DATABASE_URL, JWT_SECRET, ADMIN_EMAILS } = process.env;
const storage = DATABASE_URL ? sequelizeStorage({ url: DATABASE_URL }) : memoryStorage();

// As docs/errors.md recommends: parser and router refusals and shutdown answers in
// videoconf's error body.
const app = Fastify({
  logger: { level: 'warn' },
  clientErrorHandler,
  frameworkErrors,
  return503OnClosing: false,
});
await app.register(conferencePlugin, {
  prefix: '/videoconf',
  storage,
  jwtSecret: JWT_SECRET,
  // As `videoconf serve` outside production (test/dist/README.md).
  rateLimit: { exemptLoopback: true },
  adminEmails: (ADMIN_EMAILS ?? '').split(',').filter(Boolean),
});
await app.listen({ host: '127.0.0.1', port: Number(PORT) });

const stop = async () => {
  await app.close();
  await storage.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
