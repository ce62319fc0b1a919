// The CommonJS build of `@videoconf/server/sequelize`: checks its optional peers, then loads
// the adapter (a separate file of dist/, so its requires of sequelize/umzug run only now).
import { assertPeers } from './peers';

assertPeers('@videoconf/server/sequelize', __filename);

const adapterPath = './sequelize-adapter.cjs';
const adapter: typeof import('../storage/sequelize/index') = require(adapterPath);

export const { SEQUELIZE_DEFAULTS, sequelizeStorage } = adapter;
