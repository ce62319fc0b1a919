// The meeting page of `pnpm start`: plain DOM and `fetch` against the documented REST API
// (/api/v1, docs/api.md), and the `<vc-room>` element of /embed/videoconf.js for the meeting
// itself. Signing in, creating rooms and invite links happen here; everything inside a meeting
// (pre-join, waiting room, video, chat) is `<vc-room>`'s.
//
// Tokens live in sessionStorage (one tab, gone with it). The access token is refreshed shortly
// before it expires, one refresh at a time (a refresh token works once). User content (names,
// titles) is only ever set as text.

const API = '/api/v1';
const SESSION_KEY = 'videoconf.session';
const INVITE_KEY = 'videoconf.invite';
const LANG_KEY = 'videoconf.lang';
const params = new URLSearchParams(location.search);

// --- strings (en, ru) ---

const STRINGS = {
  en: {
    language: 'Language',
    signOut: 'Sign out',
    signedInAs: 'Signed in as {name}',
    authTitle: 'Sign in to start a meeting',
    haveAccount: 'I have an account',
    newHere: 'New here',
    email: 'Email',
    password: 'Password',
    passwordHint: 'At least 8 characters.',
    displayName: 'Your name',
    signIn: 'Sign in',
    register: 'Register and sign in',
    roomsTitle: 'Your meetings',
    newRoom: 'New room',
    title: 'Title',
    waitingRoom: 'Waiting room (I let people in)',
    roomPassword: 'Room password (optional)',
    roomPasswordHint: 'People with your invite link do not need it.',
    createRoom: 'Create the room',
    copyInvite: 'Copy invite link',
    enterRoom: 'Enter the room',
    inviteLink: 'Invite link',
    yourRooms: 'Your rooms',
    noRooms: 'No rooms yet.',
    open: 'Open',
    openRoom: 'Open {title}',
    passwordTitle: 'This room has a password',
    roomPasswordAsk: 'Room password',
    continue: 'Continue',
    meetingTitle: 'Meeting',
    elementsMissing:
      'The meeting could not be loaded (/embed/videoconf.js did not define <vc-room>).',
    backToRooms: 'Back to your rooms',
    signingIn: 'Signing in…',
    registering: 'Registering…',
    creating: 'Creating the room…',
    roomCreated: 'Room “{title}” created.',
    copied: 'Invite link copied.',
    copyYourself: 'Copy the invite link from the field below.',
    waitingOn: 'waiting room on',
    waitingOff: 'waiting room off',
    withPassword: 'password',
    statusScheduled: 'not started',
    statusActive: 'in progress',
    statusEnded: 'ended',
    statusCancelled: 'cancelled',
    sessionOver: 'Your session has ended: please sign in again.',
    roomNotFound: 'This room does not exist (any more).',
  },
  ru: {
    language: 'Язык',
    signOut: 'Выйти',
    signedInAs: 'Вы вошли как {name}',
    authTitle: 'Войдите, чтобы начать встречу',
    haveAccount: 'У меня есть аккаунт',
    newHere: 'Я здесь впервые',
    email: 'Эл. почта',
    password: 'Пароль',
    passwordHint: 'Не короче 8 символов.',
    displayName: 'Ваше имя',
    signIn: 'Войти',
    register: 'Зарегистрироваться и войти',
    roomsTitle: 'Ваши встречи',
    newRoom: 'Новая комната',
    title: 'Название',
    waitingRoom: 'Зал ожидания (я впускаю участников)',
    roomPassword: 'Пароль комнаты (необязательно)',
    roomPasswordHint: 'Тем, у кого есть ваша ссылка-приглашение, он не нужен.',
    createRoom: 'Создать комнату',
    copyInvite: 'Скопировать приглашение',
    enterRoom: 'Войти в комнату',
    inviteLink: 'Ссылка-приглашение',
    yourRooms: 'Ваши комнаты',
    noRooms: 'Комнат пока нет.',
    open: 'Открыть',
    openRoom: 'Открыть «{title}»',
    passwordTitle: 'У этой комнаты есть пароль',
    roomPasswordAsk: 'Пароль комнаты',
    continue: 'Продолжить',
    meetingTitle: 'Встреча',
    elementsMissing: 'Не удалось загрузить встречу (/embed/videoconf.js не определил <vc-room>).',
    backToRooms: 'К вашим комнатам',
    signingIn: 'Входим…',
    registering: 'Регистрируем…',
    creating: 'Создаём комнату…',
    roomCreated: 'Комната «{title}» создана.',
    copied: 'Ссылка-приглашение скопирована.',
    copyYourself: 'Скопируйте ссылку-приглашение из поля ниже.',
    waitingOn: 'зал ожидания включён',
    waitingOff: 'зал ожидания выключен',
    withPassword: 'пароль',
    statusScheduled: 'не начиналась',
    statusActive: 'идёт',
    statusEnded: 'завершена',
    statusCancelled: 'отменена',
    sessionOver: 'Сеанс закончился: войдите снова.',
    roomNotFound: 'Такой комнаты нет (или уже нет).',
  },
};

const pickLang = () => {
  const asked = params.get('lang') ?? localStorage.getItem(LANG_KEY) ?? navigator.language;
  return String(asked).toLowerCase().startsWith('ru') ? 'ru' : 'en';
};
let lang = pickLang();
/** The text of `key` in the page's language, with `{name}` placeholders filled in. */
const t = (key, values = {}) =>
  (STRINGS[lang][key] ?? STRINGS.en[key] ?? key).replace(/\{(\w+)\}/g, (_, name) =>
    String(values[name] ?? ''),
  );

/** Every `data-i18n` node, the page's `lang`, and the meeting's. */
function applyLang() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll('[data-i18n]')) {
    node.textContent = t(node.dataset.i18n);
  }
  byId('lang').value = lang;
  document.querySelector('vc-room')?.setAttribute('lang', lang);
  renderWho();
  if (current.room) renderRoomPanel(current.room);
  if (current.rooms) renderRooms(current.rooms);
}

// --- DOM helpers ---

const byId = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from index.html`);
  return node;
};
const el = (tag, text) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
};

const views = ['auth-view', 'rooms-view', 'password-view', 'meeting-view'];
/** Shows one view and moves the focus to its heading (screen readers announce the change). */
function show(id) {
  for (const view of views) byId(view).hidden = view !== id;
  byId(id).querySelector('h2')?.focus();
}
const setStatus = (text) => {
  byId('status').textContent = text;
};
/** Feedback on the person's own actions; `error` shows it as a failure. */
const notify = (text, error = false) => {
  const notice = byId('notice');
  notice.textContent = text;
  notice.classList.toggle('error', error);
};

/** Runs a form's action with its button disabled; a failure shows in the notice line. */
function onSubmit(form, action) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    action(new FormData(form))
      .catch((error) => notify(describe(error), true))
      .finally(() => {
        button.disabled = false;
      });
  });
}
const field = (data, name) => String(data.get(name) ?? '').trim();

// --- the REST API ---

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
const describe = (error) =>
  error instanceof ApiError ? `${error.message} (${error.code})` : String(error?.message ?? error);

/** One call of the API; `auth` adds the bearer token (refreshed first when it is about to end). */
async function api(method, path, { body, auth = true } = {}) {
  const send = async () => {
    const headers = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth) headers.authorization = `Bearer ${await getToken()}`;
    return fetch(`${API}${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  };
  let response = await send();
  // An access token refused although it looked fresh (a restarted server): refresh once.
  if (auth && response.status === 401 && session) {
    await refresh();
    response = await send();
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(
      response.status,
      data?.code ?? 'HTTP_ERROR',
      data?.message ?? response.statusText,
    );
  }
  return data;
}

// --- the session: tokens in sessionStorage ---

/** `{user, accessToken, refreshToken, expiresAt}` or null. */
let session = (() => {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
  } catch {
    return null;
  }
})();

function saveSession(next) {
  session = next;
  if (next) sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(SESSION_KEY);
  renderWho();
}

const withTokens = (user, { accessToken, refreshToken, expiresIn }) => ({
  user,
  accessToken,
  refreshToken,
  expiresAt: Date.now() + expiresIn * 1000,
});

let refreshing = null;
/** Trades the refresh token for new tokens: one request at a time, shared by every caller. */
function refresh() {
  refreshing ??= (async () => {
    try {
      const tokens = await api('POST', '/auth/refresh', {
        auth: false,
        body: { refreshToken: session?.refreshToken ?? '' },
      });
      saveSession(withTokens(session.user, tokens));
    } catch (error) {
      // Spent, revoked or expired: this session is over.
      if (error instanceof ApiError && error.status === 401) {
        saveSession(null);
        notify(t('sessionOver'), true);
        show('auth-view');
      }
      throw error;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** A valid access token: `<vc-room>`'s `.getToken`, and every API call of this page. */
async function getToken() {
  if (!session) throw new ApiError(401, 'UNAUTHORIZED', t('sessionOver'));
  if (session.expiresAt - 60_000 <= Date.now()) await refresh();
  return session.accessToken;
}

function renderWho() {
  const who = byId('who');
  who.hidden = !session;
  byId('sign-out').hidden = !session;
  who.textContent = session ? t('signedInAs', { name: session.user.displayName }) : '';
}

// --- signing in ---

async function signIn(email, password) {
  const answer = await api('POST', '/auth/login', { auth: false, body: { email, password } });
  saveSession(withTokens(answer.user, answer));
  notify('');
  await afterSignIn();
}

onSubmit(byId('login-form'), async (data) => {
  notify(t('signingIn'));
  await signIn(field(data, 'email'), String(data.get('password')));
});

onSubmit(byId('register-form'), async (data) => {
  notify(t('registering'));
  const email = field(data, 'email');
  const password = String(data.get('password'));
  await api('POST', '/auth/register', {
    auth: false,
    body: { email, password, displayName: field(data, 'displayName') },
  });
  await signIn(email, password);
});

byId('sign-out').addEventListener('click', () => {
  const refreshToken = session?.refreshToken;
  unmountMeeting();
  saveSession(null);
  history.replaceState(null, '', '/');
  current.room = null;
  show('auth-view');
  if (refreshToken) {
    void api('POST', '/auth/logout', { auth: false, body: { refreshToken } }).catch(() => {});
  }
});

/** After signing in: the room of the address (`/?room=…`), or the list of one's rooms. */
async function afterSignIn() {
  const roomId = params.get('room');
  if (roomId) return openRoomLink(roomId);
  await showRooms();
}

// --- rooms ---

/** What the page shows now: the selected room and the list. */
const current = { room: null, rooms: null };

async function showRooms() {
  show('rooms-view');
  const { items } = await api('GET', '/rooms?limit=50');
  renderRooms(items);
}

const statusText = (room) =>
  t(`status${room.status.charAt(0).toUpperCase()}${room.status.slice(1)}`);

function renderRooms(rooms) {
  current.rooms = rooms;
  byId('rooms-empty').hidden = rooms.length > 0;
  byId('rooms-list').replaceChildren(
    ...rooms.map((room) => {
      const item = el('li');
      item.dataset.roomId = room.id;
      const open = el('button', t('open'));
      open.type = 'button';
      open.setAttribute('aria-label', t('openRoom', { title: room.title }));
      open.addEventListener('click', () => selectRoom(room));
      item.append(el('span', room.title), el('span', ` · ${statusText(room)}`), open);
      return item;
    }),
  );
}

/** Shows a room in the panel: its invite link and the way in. */
function selectRoom(room) {
  current.room = room;
  renderRoomPanel(room);
  byId('invite-field').hidden = true;
  byId('invite-link').value = '';
  byId('room-panel').hidden = false;
  byId('room-panel-title').focus();
}

function renderRoomPanel(room) {
  byId('room-panel-title').textContent = room.title;
  byId('room-facts').textContent = [
    statusText(room),
    room.waitingRoomEnabled ? t('waitingOn') : t('waitingOff'),
    ...(room.hasPassword ? [t('withPassword')] : []),
  ].join(' · ');
}

onSubmit(byId('create-form'), async (data) => {
  notify(t('creating'));
  const password = String(data.get('password') ?? '');
  const room = await api('POST', '/rooms', {
    body: {
      title: field(data, 'title'),
      waitingRoomEnabled: data.get('waitingRoom') === 'on',
      ...(password && { password }),
    },
  });
  notify(t('roomCreated', { title: room.title }));
  byId('create-form').reset();
  renderRooms([room, ...(current.rooms ?? []).filter((item) => item.id !== room.id)]);
  selectRoom(room);
});

byId('invite-button').addEventListener('click', () => {
  const room = current.room;
  if (!room) return;
  const button = byId('invite-button');
  button.disabled = true;
  void (async () => {
    const invite = await api('POST', `/rooms/${encodeURIComponent(room.id)}/invite`, { body: {} });
    const link = `${location.origin}/?invite=${encodeURIComponent(invite.token)}&room=${encodeURIComponent(room.id)}`;
    const input = byId('invite-link');
    input.value = link;
    byId('invite-field').hidden = false;
    // The clipboard needs permission (and a secure context); the selected field always works.
    const copied = await (navigator.clipboard?.writeText(link) ?? Promise.reject()).then(
      () => true,
      () => false,
    );
    input.focus();
    input.select();
    notify(copied ? t('copied') : t('copyYourself'));
  })()
    .catch((error) => notify(describe(error), true))
    .finally(() => {
      button.disabled = false;
    });
});

byId('enter-button').addEventListener('click', () => {
  if (current.room) void enterAsSignedIn(current.room.id);
});

/** `/?room=<id>` while signed in: straight in, or the room's password first when it has one. */
async function openRoomLink(roomId) {
  let room;
  try {
    room = await api('GET', `/rooms/${encodeURIComponent(roomId)}`);
  } catch (error) {
    history.replaceState(null, '', '/');
    await showRooms();
    notify(
      error instanceof ApiError && error.code === 'ROOM_NOT_FOUND'
        ? t('roomNotFound')
        : describe(error),
    );
    return;
  }
  // The host needs no password (docs/api.md, the join rules); anyone else gives it once, here.
  if (room.hasPassword && room.hostUserId !== session.user.id) {
    current.room = room;
    show('password-view');
    return;
  }
  enterAsSignedIn(room.id);
}

onSubmit(byId('password-form'), async (data) => {
  const room = current.room;
  // Joining with the password admits the user (or knocks when the room has a waiting room);
  // `<vc-room>`'s own join then finds that participant (or that same pending entry).
  await api('POST', `/rooms/${encodeURIComponent(room.id)}/join`, {
    body: { password: String(data.get('password')), displayName: session.user.displayName },
  });
  byId('password-form').reset();
  enterAsSignedIn(room.id);
});

// --- the meeting: <vc-room> ---

function enterAsSignedIn(roomId) {
  mount({ room: roomId, 'display-name': session.user.displayName }, getToken);
}

function unmountMeeting() {
  byId('meeting').replaceChildren();
  byId('after').hidden = true;
}

/** Puts a `<vc-room>` with these attributes (and `.getToken` for a signed-in user) on the page. */
function mount(attributes, tokenSource) {
  unmountMeeting();
  setStatus('');
  notify('');
  const query = new URLSearchParams({ room: attributes.room });
  // An invite token does not stay in the address bar once the element holds it.
  history.replaceState(null, '', `/?${query}`);
  const room = document.createElement('vc-room');
  room.setAttribute('server', location.origin);
  room.setAttribute('lang', lang);
  for (const [name, value] of Object.entries(attributes)) room.setAttribute(name, value);
  if (tokenSource) room.getToken = tokenSource;
  listen(room);
  byId('meeting').append(room);
  show('meeting-view');
  const missing = byId('elements-note');
  missing.hidden = Boolean(customElements.get('vc-room'));
  void customElements.whenDefined('vc-room').then(() => {
    missing.hidden = true;
  });
}

function listen(room) {
  // Where the meeting stands (pre-join, waiting, in the meeting, ended), and whether this server
  // has video, is `<vc-room>`'s to say.
  room.addEventListener('vc-error', (event) => {
    if (event.detail?.message) notify(event.detail.message, true);
  });
  // After the meeting: the way back to one's rooms (signed-in users).
  const finished = () => {
    byId('after').hidden = !session;
  };
  room.addEventListener('vc-left', finished);
  room.addEventListener('vc-ended', finished);
  room.addEventListener('vc-kicked', finished);
}

byId('back-button').addEventListener('click', () => {
  unmountMeeting();
  setStatus('');
  history.replaceState(null, '', '/');
  void showRooms().catch((error) => notify(describe(error), true));
});

// --- language ---

byId('lang').addEventListener('change', (event) => {
  lang = event.target.value === 'ru' ? 'ru' : 'en';
  localStorage.setItem(LANG_KEY, lang);
  applyLang();
});

// --- start ---

applyLang();
const linkRoom = params.get('room');
// A reload of the guest's page (the address lost its invite token) is still that guest's.
const kept = JSON.parse(sessionStorage.getItem(INVITE_KEY) ?? 'null');
const invite = params.get('invite') ?? (kept?.room === linkRoom ? kept.invite : null);
if (invite && linkRoom) {
  sessionStorage.setItem(INVITE_KEY, JSON.stringify({ room: linkRoom, invite }));
  // An invite link: a guest. `<vc-room>` asks the name in its pre-join, redeems the invite
  // (which also spares the room's password) and knocks when the room has a waiting room.
  mount({ room: linkRoom, invite });
} else if (session) {
  afterSignIn().catch((error) => notify(describe(error), true));
} else {
  show('auth-view');
}
