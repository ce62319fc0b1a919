import { parseArgs } from 'node:util';
import { createConferenceServer } from '@videoconf/server';
import { banner, cliLogger, logFormat } from './cli-output';
import { optionsFromEnv } from './env';
import { resolveEmbedScript } from './http/embed-resolve';
import { parseStaticMounts, registerStaticMounts, type StaticMount } from './http/static-files';
import type { Storage } from './storage/types';

const USAGE = `Usage:
  videoconf serve                 start the server (configuration from the environment)
    --static <prefix>=<dir>       also serve the files of <dir> at <prefix> (repeatable),
                                  e.g. --static /app/=./dist
  videoconf users promote <email> make a registered user a technical admin (needs DATABASE_URL)

Environment (docs/configuration.md):
  PORT, HOST                      where to listen (default 3000 on 127.0.0.1)
  DATABASE_URL                    PostgreSQL; unset: in-memory storage
  REDIS_URL                       Redis for rate limits and events across instances
  LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET   media server
  JWT_SECRET                      access-token key, at least 32 bytes
  NODE_ENV                        production: JWT_SECRET required, no rate-limit exemption
                                  for callers on this machine
  TRUST_PROXY                     true, or proxy addresses/CIDRs whose X-Forwarded-For counts
  CORS_ORIGINS                    comma-separated origins allowed to call the API
  RATE_LIMIT                      off: no rate limits
  LOG_LEVEL                       fatal, error, warn, info (default), debug, trace, silent
  LOG_FORMAT                      json (one object a line) or pretty; default: pretty on a
                                  terminal, json otherwise
  ADMIN_EMAILS                    comma-separated emails of technical admins`;

async function openStorage(databaseUrl: string | null): Promise<Storage | undefined> {
  if (!databaseUrl) return undefined;
  const { sequelizeStorage } = await import('@videoconf/server/sequelize');
  return sequelizeStorage({ url: databaseUrl });
}

async function serve(mounts: StaticMount[]) {
  const { options, listen, databaseUrl } = optionsFromEnv();
  const logger = await cliLogger(logFormat(process.env.LOG_FORMAT, process.stdout.isTTY));
  const storage = await openStorage(databaseUrl);
  // The embed script of `@videoconf/web-components`, when installed next to the server.
  const script = resolveEmbedScript();
  const app = createConferenceServer({
    ...options,
    logger,
    storage,
    ...(script && { embed: { script } }),
  });
  if (!script) {
    app.log.info(
      '@videoconf/web-components is not installed: /embed/videoconf.js answers 404 NOT_FOUND',
    );
  }
  if (mounts.length > 0) {
    await registerStaticMounts(app, mounts, {
      ...(options.livekit?.url && { mediaUrl: options.livekit.url }),
    });
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      app.log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000).unref();
    try {
      await app.close();
      await storage?.close();
    } finally {
      clearTimeout(timer);
    }
    process.exit(0);
  };
  // Listeners stay for the whole shutdown: a signal can come twice (Ctrl-C reaches every process
  // of the terminal's group, and `pnpm start` forwards its own copy), and a repeat that found no
  // listener would kill the process mid-shutdown with 130 or 143 instead of 0.
  const onSignal = (signal: NodeJS.Signals) => void shutdown(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const address = await app.listen(listen);
  app.log.info(
    {
      storage: storage?.name ?? 'memory',
      redis: Boolean(options.redis),
      bus: app.videoconf.bus.name,
      livekit: options.livekit?.url ?? null,
      address,
    },
    `videoconf ready at ${address}`,
  );
  // For the person who started it: on stderr, so that stdout stays one JSON object a line.
  const facts = {
    address,
    mounts: mounts.map(({ prefix }) => prefix),
    docs: options.docs !== false,
    storage: storage?.name ?? 'memory',
    livekitUrl: options.livekit?.url ?? null,
  };
  process.stderr.write(`\n${banner(facts).join('\n')}\n\n`);
}

async function promote(email: string | undefined) {
  if (!email) throw new Error('users promote needs an email');
  const { databaseUrl } = optionsFromEnv();
  const storage = await openStorage(databaseUrl);
  if (!storage) {
    throw new Error('DATABASE_URL is not set: in-memory users end with the server process');
  }
  try {
    await storage.init();
    const user = await storage.getUserByEmail(email.trim().toLowerCase());
    if (!user) throw new Error(`No user with email ${email}`);
    await storage.updateUser(user.id, { globalRole: 'technical_admin' });
    console.log(`${user.email} is now a technical admin`);
  } finally {
    await storage.close();
  }
}

async function main(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      static: { type: 'string', multiple: true },
    },
  });
  const [command, sub, arg] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (command === 'serve') return serve(parseStaticMounts(values.static ?? []));
  if (command === 'users' && sub === 'promote') return promote(arg);
  throw new Error(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
