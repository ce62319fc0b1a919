// The ESM build of `@videoconf/server/sequelize`: checks its optional peers, then loads the
// adapter (a separate file of dist/, so its static imports of sequelize/umzug run only now).
import { assertPeers } from './peers';

assertPeers('@videoconf/server/sequelize', import.meta.url);

const adapterPath = './sequelize-adapter.js';
const adapter: typeof import('../storage/sequelize/index') = await import(adapterPath);

export const { SEQUELIZE_DEFAULTS, sequelizeStorage } = adapter;
