// The ESM build of `@videoconf/server/redis`: checks its optional peer, then loads the adapter
// (a separate file of dist/, so its static import of ioredis runs only now).
import { assertPeers } from './peers';

assertPeers('@videoconf/server/redis', import.meta.url);

const adapterPath = './redis-adapter.js';
const adapter: typeof import('../redis/index') = await import(adapterPath);

export const { createRedisClient, redisBus } = adapter;
