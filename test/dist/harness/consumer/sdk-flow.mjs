// What test:dist runs of the installed @videoconf/client-sdk in Node (sdk.mjs loads it with
// `import`, sdk.cjs with `require`): against a running target, two users of `createClient` meet in
// a room, one realtime connection each (with `ws`) gets `ready`, and a chat message sent on one
// arrives on the other; refusals (404 over REST, 4404 over the WebSocket) are ApiErrors of the
// ESM and of the CJS build alike.
import { randomBytes, randomUUID } from 'node:crypto';

const PASSWORD = 'correct horse battery staple';

/** A client of `sdk` signed in as a fresh user of this run (and the access token it got). */
async function newClient(sdk, base, name) {
  const client = sdk.createClient({ server: base });
  const email = `sdk-${name}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}@e2e.test`;
  await client.auth.register({ email, password: PASSWORD, displayName: name });
  const { accessToken } = await client.auth.login({ email, password: PASSWORD });
  return Object.assign(client, { accessToken });
}

/** The checks of `error` as a refusal with `code` and `status`, by both builds. */
function refusal(error, { sdk, other }, code, status) {
  const checks = {
    'instanceof ApiError (own build)': error instanceof sdk.ApiError,
    'instanceof ApiError (other build)': error instanceof other.ApiError,
    [`isApiError(${code}) (other build)`]: other.isApiError(error, code),
    [`status ${status}`]: error?.status === status,
  };
  const failed = Object.entries(checks).filter(([, ok]) => !ok);
  if (failed.length > 0) {
    throw new Error(
      `${failed.map(([name]) => name).join(', ')} failed for ${error?.name} ${error?.code} ${error?.status}`,
    );
  }
}

/** Resolves with the first `type` event of `connection`, or rejects after `ms`. */
function first(connection, type, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no ${type} within ${ms} ms (state ${connection.state.get()})`));
    }, ms);
    const stop = connection.on(type, (event) => {
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

/**
 * `sdk`: the build under test; `other`: the other build (CJS for ESM and the reverse);
 * `WebSocket`: the `ws` constructor. Throws on the first deviation.
 */
export async function flow({ sdk, other, WebSocket, base, label }) {
  const host = await newClient(sdk, base, `${label}-host`);
  const guest = await newClient(sdk, base, `${label}-guest`);
  try {
    const room = await host.rooms.create({ title: `SDK ${label}`, waitingRoomEnabled: false });
    for (const client of [host, guest]) {
      const answer = await client.rooms.join(room.id);
      if (answer.status !== 'joined') throw new Error(`join: ${JSON.stringify(answer)}`);
    }

    const sender = host.realtime(room.id, { WebSocket });
    const receiver = new sdk.RealtimeConnection({
      server: base,
      roomId: room.id,
      getToken: async () => guest.accessToken,
      WebSocket,
    });
    try {
      await Promise.all([first(sender, 'ready'), first(receiver, 'ready')]);
      const arrives = first(receiver, 'chat.message');
      const content = `hello from the ${label} build`;
      const sent = await sender.sendChat(content);
      const { data } = await arrives;
      if (data.message.id !== sent.id || data.message.content !== content) {
        throw new Error(`received ${JSON.stringify(data.message)}, sent ${JSON.stringify(sent)}`);
      }
      const history = await guest.chat.list(room.id);
      if (history.items.map((message) => message.id).join() !== sent.id) {
        throw new Error(`history ${JSON.stringify(history.items)}, expected only ${sent.id}`);
      }
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
    }
    if (sender.state.get() !== 'closed' || sender.closeCode !== 1000) {
      throw new Error(`after close(): ${sender.state.get()} ${sender.closeCode}`);
    }

    // Refusals. Over REST: no such room.
    const missing = await host.rooms.get(randomUUID()).then(
      () => new Error('GET of a room that does not exist resolved'),
      (reason) => reason,
    );
    refusal(missing, { sdk, other }, 'ROOM_NOT_FOUND', 404);
    // Over the WebSocket: the pending send rejects with the close's ApiError.
    const nowhere = host.realtime(randomUUID(), { WebSocket });
    const closed = await nowhere.sendChat('anyone?').then(
      () => new Error('a send to a room that does not exist resolved'),
      (reason) => reason,
    );
    await nowhere.close();
    if (nowhere.closeCode !== 4404) throw new Error(`closeCode ${nowhere.closeCode}, not 4404`);
    refusal(closed, { sdk, other }, 'ROOM_NOT_FOUND', 404);
  } finally {
    host.close();
    guest.close();
  }
  return `${label}: createClient, ready, chat round trip, 404 and 4404 refusals ok`;
}
