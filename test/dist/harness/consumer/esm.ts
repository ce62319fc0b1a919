// Type-checked as a strict NodeNext ESM consumer (no skipLibCheck): every entry point.
import { ERROR_STATUS, type ErrorCode, type Room } from '@videoconf/protocol';
import {
  ConferenceError,
  type ConferenceOptions,
  conferencePlugin,
  createConferenceServer,
  customAuth,
  memoryBus,
  memoryStorage,
  passwordAuth,
  type Storage,
} from '@videoconf/server';
import { createRedisClient, redisBus } from '@videoconf/server/redis';
import { type SequelizeStorageOptions, sequelizeStorage } from '@videoconf/server/sequelize';
import {
  runAuthConformance,
  runBusConformance,
  runStorageConformance,
} from '@videoconf/server/testing';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { Sequelize } from 'sequelize';

const sequelizeOptions: SequelizeStorageOptions = {
  sequelize: new Sequelize('postgres://127.0.0.1/videoconf', { dialect: 'postgres' }),
};
const postgres: Storage = sequelizeStorage(sequelizeOptions);
const options: ConferenceOptions = {
  storage: postgres,
  redis: { client: new Redis({ lazyConnect: true }) },
  auth: passwordAuth(),
};
export const server = createConferenceServer({ ...options, logger: false });

const app = Fastify();
await app.register(conferencePlugin, {
  prefix: '/videoconf',
  storage: memoryStorage(),
  bus: memoryBus(),
  auth: customAuth({ authenticate: async () => null }),
});

const code: ErrorCode = new ConferenceError('ROOM_FULL').code;
export const status: number = ERROR_STATUS[code];
export const title = (room: Room): string => room.title;
export const bus = redisBus({ url: 'redis://127.0.0.1:6379' });
export const client: Promise<Redis> = createRedisClient('redis://127.0.0.1:6379');
export const suites = [runAuthConformance, runBusConformance, runStorageConformance];
