// A memory-only consumer: no ioredis, sequelize, pg or umzug installed. `@videoconf/server`
// alone must type-check strictly (its declarations may not need the adapters' packages).
import {
  ConferenceError,
  type ConferenceOptions,
  conferencePlugin,
  createConferenceServer,
  memoryStorage,
} from '@videoconf/server';
import Fastify from 'fastify';

const options: ConferenceOptions = { storage: memoryStorage(), rateLimit: false };
export const server = createConferenceServer(options);

const app = Fastify();
await app.register(conferencePlugin, { prefix: '/videoconf', ...options });
export const code = new ConferenceError('NOT_FOUND').code;
