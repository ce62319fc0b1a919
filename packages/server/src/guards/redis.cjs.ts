// The CommonJS build of `@videoconf/server/redis`: checks its optional peer, then loads the
// adapter (a separate file of dist/, so its require of ioredis runs only now).
import { assertPeers } from './peers';

assertPeers('@videoconf/server/redis', __filename);

const adapterPath = './redis-adapter.cjs';
const adapter: typeof import('../redis/index') = require(adapterPath);

export const { createRedisClient, redisBus } = adapter;
