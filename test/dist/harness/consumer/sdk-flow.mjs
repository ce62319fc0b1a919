// What test:dist runs of the installed @videoconf/client-sdk in Node (sdk.mjs loads it with
// `import`, sdk.cjs with `require`): against a running target, two users meet in a room, one
// realtime connection each (with `ws`) gets `ready`, and a chat message sent on one arrives on the
// other; a refusal (4404, no such room) is an ApiError of the ESM and of the CJS build alike.
import { randomBytes, randomUUID } from 'node:crypto';

const PASSWORD = 'correct horse battery staple';

async function call(base, method, path, body, token) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function expectStatus(promise, status, what) {
  const answer = await promise;
  if (answer.status !== status) {
    throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}, expected ${status}`);
  }
  return answer.body;
}

async function newUser(base, name) {
  const email = `sdk-${name}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}@e2e.test`;
  const user = { email, password: PASSWORD, displayName: name };
  await expectStatus(call(base, 'POST', '/auth/register', user), 201, 'register');
  const session = await expectStatus(
    call(base, 'POST', '/auth/login', { email, password: PASSWORD }),
    200,
    'login',
  );
  return session.accessToken;
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
  const host = await newUser(base, `${label}-host`);
  const guest = await newUser(base, `${label}-guest`);
  const room = await expectStatus(
    call(base, 'POST', '/rooms', { title: `SDK ${label}`, waitingRoomEnabled: false }, host),
    201,
    'create room',
  );
  await expectStatus(call(base, 'POST', `/rooms/${room.id}/join`, {}, host), 200, 'host joins');
  await expectStatus(call(base, 'POST', `/rooms/${room.id}/join`, {}, guest), 200, 'guest joins');

  const open = (token) =>
    new sdk.RealtimeConnection({
      server: base,
      roomId: room.id,
      getToken: async () => token,
      WebSocket,
    });
  const sender = open(host);
  const receiver = open(guest);
  try {
    await Promise.all([first(sender, 'ready'), first(receiver, 'ready')]);
    const arrives = first(receiver, 'chat.message');
    const content = `hello from the ${label} build`;
    const sent = await sender.sendChat(content);
    const { data } = await arrives;
    if (data.message.id !== sent.id || data.message.content !== content) {
      throw new Error(`received ${JSON.stringify(data.message)}, sent ${JSON.stringify(sent)}`);
    }
    const history = await expectStatus(
      call(base, 'GET', `/rooms/${room.id}/chat/messages`, undefined, guest),
      200,
      'history',
    );
    if (history.items.map((message) => message.id).join() !== sent.id) {
      throw new Error(`history ${JSON.stringify(history.items)}, expected only ${sent.id}`);
    }
  } finally {
    await Promise.all([sender.close(), receiver.close()]);
  }
  if (sender.state.get() !== 'closed' || sender.closeCode !== 1000) {
    throw new Error(`after close(): ${sender.state.get()} ${sender.closeCode}`);
  }

  // A refusal: no such room. The pending send rejects with the close's ApiError.
  const nowhere = new sdk.RealtimeConnection({
    server: base,
    roomId: randomUUID(),
    getToken: async () => host,
    WebSocket,
  });
  const error = await nowhere.sendChat('anyone?').then(
    () => {
      throw new Error('a send to a room that does not exist resolved');
    },
    (reason) => reason,
  );
  await nowhere.close();
  const checks = {
    'instanceof ApiError (own build)': error instanceof sdk.ApiError,
    'instanceof ApiError (other build)': error instanceof other.ApiError,
    'isApiError(ROOM_NOT_FOUND) (other build)': other.isApiError(error, 'ROOM_NOT_FOUND'),
    'status 404': error?.status === 404,
    'closeCode 4404': nowhere.closeCode === 4404,
  };
  const failed = Object.entries(checks).filter(([, ok]) => !ok);
  if (failed.length > 0) {
    throw new Error(
      `refusal: ${failed.map(([name]) => name).join(', ')} failed for ${error?.name} ${error?.code} ${error?.status} (closeCode ${nowhere.closeCode})`,
    );
  }
  return `${label}: ready, chat round trip and 4404 refusal ok`;
}
