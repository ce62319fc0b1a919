// The CommonJS consumer of @videoconf/client-sdk (sdk-flow.mjs): `node sdk.cjs <base URL>`.
const sdk = require('@videoconf/client-sdk');
const WebSocket = require('ws');

async function main() {
  const other = await import('@videoconf/client-sdk');
  if (other.ApiError === sdk.ApiError) throw new Error('ESM and CJS resolved to one build');
  const { flow } = await import('./sdk-flow.mjs');
  console.log(await flow({ sdk, other, WebSocket, base: process.argv[2], label: 'cjs' }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
