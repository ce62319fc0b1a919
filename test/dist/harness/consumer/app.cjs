// The CommonJS consumer app of test/dist: the same app as app.mjs, loaded with `require`.
const {
  clientErrorHandler,
  conferencePlugin,
  frameworkErrors,
  memoryStorage,
} = require('@videoconf/server');
const { sequelizeStorage } = require('@videoconf/server/sequelize');
const Fastify = require('fastify');

async function main() {
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
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
