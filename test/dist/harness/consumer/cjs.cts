// Type-checked as a strict NodeNext CommonJS consumer (no skipLibCheck): every entry point.
import { ERROR_STATUS, type ErrorCode } from '@videoconf/protocol';
import {
  ConferenceError,
  conferencePlugin,
  createConferenceServer,
  memoryStorage,
  type Storage,
} from '@videoconf/server';
import { createRedisClient, redisBus } from '@videoconf/server/redis';
import { sequelizeStorage } from '@videoconf/server/sequelize';
import { runStorageConformance } from '@videoconf/server/testing';

import Fastify = require('fastify');

import { Redis } from 'ioredis';

const postgres: Storage = sequelizeStorage({ url: 'postgres://127.0.0.1/videoconf' });
export const server = createConferenceServer({
  storage: postgres,
  redis: { client: new Redis({ lazyConnect: true }) },
});

const app = Fastify();
void app.register(conferencePlugin, { prefix: '/videoconf', storage: memoryStorage() });

const code: ErrorCode = new ConferenceError('ROOM_FULL').code;
export const status: number = ERROR_STATUS[code];
export const bus = redisBus({ url: 'redis://127.0.0.1:6379' });
export const client = createRedisClient('redis://127.0.0.1:6379');
export const suite = runStorageConformance;
