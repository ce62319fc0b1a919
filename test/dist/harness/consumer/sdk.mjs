// The ESM consumer of @videoconf/client-sdk (sdk-flow.mjs): `node sdk.mjs <base URL>`.
import { createRequire } from 'node:module';
import * as sdk from '@videoconf/client-sdk';
import WebSocket from 'ws';
import { flow } from './sdk-flow.mjs';

const other = createRequire(import.meta.url)('@videoconf/client-sdk');
if (other.ApiError === sdk.ApiError) throw new Error('ESM and CJS resolved to one build');
console.log(await flow({ sdk, other, WebSocket, base: process.argv[2], label: 'esm' }));
