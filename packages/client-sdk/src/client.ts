import type {
  AdminAuditQuery,
  ApproveEntryResponse,
  AuditEntry,
  AuditQuery,
  ChangeRoleBody,
  ChatMessage,
  CreateInviteBody,
  CreateRateLimitRuleBody,
  CreateRoomBody,
  CreateVideoProfileBody,
  EditMessageBody,
  HealthResponse,
  HistoryQuery,
  Invite,
  ItemList,
  JoinResponse,
  JoinRoomBody,
  KickBody,
  LoginBody,
  LoginResponse,
  MediaToken,
  MessagePage,
  MuteBody,
  Participant,
  ParticipantList,
  RateLimitRule,
  RedeemInviteBody,
  RedeemInviteResponse,
  RegisterBody,
  RejectBody,
  RejectEntryResponse,
  Room,
  RoomListQuery,
  RoomPage,
  RoomStats,
  SendMessageBody,
  StatsReportBody,
  StatsSample,
  TokenPair,
  UpdateMeBody,
  UpdateRateLimitRuleBody,
  UpdateRoomBody,
  UpdateSettingsBody,
  User,
  UserResponse,
  UserSettings,
  VideoProfile,
  WaitingEntry,
} from '@videoconf/protocol';
import { type ClientEvents, Credentials, type Session } from './auth';
import { Conference, type ConferenceOptions } from './conference/conference';
import { ApiError } from './errors';
import { type Method, path, type Query, type RequestOptions, send, urlOf } from './http';
import { RealtimeConnection, type RealtimeConnectionOptions } from './realtime/connection';
import type { Store } from './store';

export interface ClientOptions {
  /**
   * Base URL of the videoconf server, e.g. `https://meet.example.com` (or
   * `https://example.com/videoconf` when it is mounted under a prefix): its `/api/v1`,
   * `/health` and `/ws` live under it.
   */
  server: string;
  /** A bearer access token from the host application. */
  token?: string;
  /**
   * Asked for a bearer token when the client needs one: on first use, when the known one (a
   * JWT) is about to expire, and once again after a 401.
   */
  getToken?: () => Promise<string>;
  /** The `fetch` to use; the global one by default. */
  fetch?: typeof fetch;
}

export interface AuthApi {
  /** `POST /auth/register`; does not sign in. */
  register(body: RegisterBody, options?: RequestOptions): Promise<UserResponse>;
  /** `POST /auth/login`; keeps the tokens in the client, refreshed before expiry. */
  login(body: LoginBody, options?: RequestOptions): Promise<LoginResponse>;
  /** `POST /auth/refresh` with the kept refresh token (joins a refresh in flight). */
  refresh(options?: RequestOptions): Promise<TokenPair>;
  /** `POST /auth/logout`, then forgets the session (even when the server cannot be reached). */
  logout(options?: RequestOptions): Promise<void>;
  /** The signed-in user (password or guest sign-in through this client), or `null`. */
  readonly session: Store<Session>;
}

export interface UsersApi {
  me(options?: RequestOptions): Promise<User>;
  updateMe(body: UpdateMeBody, options?: RequestOptions): Promise<User>;
  settings(options?: RequestOptions): Promise<UserSettings>;
  updateSettings(body: UpdateSettingsBody, options?: RequestOptions): Promise<UserSettings>;
  videoProfiles(options?: RequestOptions): Promise<ItemList<VideoProfile>>;
  createVideoProfile(body: CreateVideoProfileBody, options?: RequestOptions): Promise<VideoProfile>;
  deleteVideoProfile(profileId: string, options?: RequestOptions): Promise<void>;
}

export interface RoomsApi {
  create(body: CreateRoomBody, options?: RequestOptions): Promise<Room>;
  /** The rooms the caller hosts. */
  list(query?: RoomListQuery, options?: RequestOptions): Promise<RoomPage>;
  get(roomId: string, options?: RequestOptions): Promise<Room>;
  update(roomId: string, body: UpdateRoomBody, options?: RequestOptions): Promise<Room>;
  remove(roomId: string, options?: RequestOptions): Promise<void>;
  /** `{status: 'joined', participant}` or, with the waiting room on, `{status: 'waiting', entry}`. */
  join(roomId: string, body?: JoinRoomBody, options?: RequestOptions): Promise<JoinResponse>;
  leave(roomId: string, options?: RequestOptions): Promise<void>;
  end(roomId: string, options?: RequestOptions): Promise<Room>;
  lock(roomId: string, options?: RequestOptions): Promise<Room>;
  unlock(roomId: string, options?: RequestOptions): Promise<Room>;
}

export interface InvitesApi {
  create(roomId: string, body?: CreateInviteBody, options?: RequestOptions): Promise<Invite>;
  list(roomId: string, options?: RequestOptions): Promise<ItemList<Invite>>;
  revoke(roomId: string, inviteId: string, options?: RequestOptions): Promise<void>;
  /**
   * `POST /invites/:token/redeem`. Signed in (or with a host token), it redeems for that user;
   * otherwise the server creates a guest and the client signs in as that guest.
   */
  redeem(
    token: string,
    body: RedeemInviteBody,
    options?: RequestOptions,
  ): Promise<RedeemInviteResponse>;
}

export interface WaitingRoomApi {
  list(roomId: string, options?: RequestOptions): Promise<ItemList<WaitingEntry>>;
  get(roomId: string, entryId: string, options?: RequestOptions): Promise<WaitingEntry>;
  approve(roomId: string, entryId: string, options?: RequestOptions): Promise<ApproveEntryResponse>;
  reject(
    roomId: string,
    entryId: string,
    body?: RejectBody,
    options?: RequestOptions,
  ): Promise<RejectEntryResponse>;
}

export interface ParticipantsApi {
  list(roomId: string, options?: RequestOptions): Promise<ParticipantList>;
  kick(
    roomId: string,
    participantId: string,
    body?: KickBody,
    options?: RequestOptions,
  ): Promise<void>;
  mute(
    roomId: string,
    participantId: string,
    body: MuteBody,
    options?: RequestOptions,
  ): Promise<void>;
  setRole(
    roomId: string,
    participantId: string,
    body: ChangeRoleBody,
    options?: RequestOptions,
  ): Promise<Participant>;
}

export interface ChatApi {
  list(roomId: string, query?: HistoryQuery, options?: RequestOptions): Promise<MessagePage>;
  send(roomId: string, body: SendMessageBody, options?: RequestOptions): Promise<ChatMessage>;
  edit(
    roomId: string,
    messageId: string,
    body: EditMessageBody,
    options?: RequestOptions,
  ): Promise<ChatMessage>;
  remove(roomId: string, messageId: string, options?: RequestOptions): Promise<void>;
}

export interface MediaApi {
  /** The LiveKit token and URL of the caller, an active participant. */
  token(roomId: string, options?: RequestOptions): Promise<MediaToken>;
}

export interface StatsApi {
  report(roomId: string, body: StatsReportBody, options?: RequestOptions): Promise<StatsSample>;
  room(roomId: string, options?: RequestOptions): Promise<RoomStats>;
  participant(
    roomId: string,
    participantId: string,
    options?: RequestOptions,
  ): Promise<ItemList<StatsSample>>;
}

export interface AuditApi {
  room(roomId: string, query?: AuditQuery, options?: RequestOptions): Promise<ItemList<AuditEntry>>;
  /** Every room (technical admins). */
  all(query?: AdminAuditQuery, options?: RequestOptions): Promise<ItemList<AuditEntry>>;
}

/** The rate-limit rules of `/admin/rate-limits` (technical admins). */
export interface RateLimitsApi {
  list(options?: RequestOptions): Promise<ItemList<RateLimitRule>>;
  create(body: CreateRateLimitRuleBody, options?: RequestOptions): Promise<RateLimitRule>;
  get(ruleId: string, options?: RequestOptions): Promise<RateLimitRule>;
  update(
    ruleId: string,
    body: UpdateRateLimitRuleBody,
    options?: RequestOptions,
  ): Promise<RateLimitRule>;
  remove(ruleId: string, options?: RequestOptions): Promise<void>;
}

export interface AdminApi {
  rateLimits: RateLimitsApi;
}

export interface Client {
  /** The server's base URL, without a trailing slash. */
  readonly server: string;
  readonly auth: AuthApi;
  readonly users: UsersApi;
  readonly rooms: RoomsApi;
  readonly invites: InvitesApi;
  readonly waitingRoom: WaitingRoomApi;
  readonly participants: ParticipantsApi;
  readonly chat: ChatApi;
  readonly media: MediaApi;
  readonly stats: StatsApi;
  readonly audit: AuditApi;
  readonly admin: AdminApi;
  /**
   * `GET /health`: the server's report, also when it answers 503 (`status: 'error'` or
   * `'shutting_down'`); an `ApiError` only when there is no report.
   */
  health(options?: RequestOptions): Promise<HealthResponse>;
  /**
   * The WebSocket of one room (docs/realtime.md), authenticated with this client's token: a
   * refreshed one before each attempt, a renewed one after a close 4401. In Node 20 pass
   * `{ WebSocket }` from `ws`.
   */
  realtime(
    roomId: string,
    options?: Omit<RealtimeConnectionOptions, 'server' | 'roomId'>,
  ): RealtimeConnection;
  /**
   * Calls `handler` on each `event` (`signedIn`, `signedOut`); returns the function that
   * removes it. A handler that throws does not keep the others from being called.
   */
  /**
   * The join flow of this client's user in one room (`join()` starts it): REST, the realtime
   * connection and, in browsers, the LiveKit media. See `Conference`.
   */
  conference(roomId: string, options?: ConferenceOptions): Conference;
  on<K extends keyof ClientEvents>(event: K, handler: (value: ClientEvents[K]) => void): () => void;
  /** Stops the background work (the refresh timer); requests still work, refreshing lazily. */
  close(): void;
}

/**
 * What the other parts of the SDK (realtime, conference) use of a client; not public API.
 * Get it with `internalsOf(client)`.
 */
export interface ClientInternals {
  /** The server's base URL, without a trailing slash (the WebSocket URL is derived from it). */
  readonly server: string;
  /**
   * The bearer token to use now, refreshed first when it is about to expire. With
   * `{ renew: true }` (after the server refused it, e.g. WebSocket close 4401) a new one is
   * obtained: a refresh of the password session (single flight) or `getToken()` asked again.
   * Rejects with an `ApiError` `UNAUTHORIZED` when the client has no token.
   */
  accessToken(options?: { renew?: boolean; signal?: AbortSignal }): Promise<string>;
  /** An authenticated JSON request to `/api/v1` + `path`, with the client's 401 handling. */
  request<T>(
    method: Method,
    path: string,
    init?: { body?: unknown; query?: Query; signal?: AbortSignal | undefined },
  ): Promise<T>;
}

const INTERNALS = new WeakMap<Client, ClientInternals>();

/** The internal accessor of a client made by `createClient` (for the SDK's own modules). */
export function internalsOf(client: Client): ClientInternals {
  const internals = INTERNALS.get(client);
  if (!internals) throw new TypeError('Not a client made by createClient()');
  return internals;
}

/** A client of one videoconf server. */
export function createClient(options: ClientOptions): Client {
  const server = options.server.replace(/\/+$/, '');
  const apiBase = `${server}/api/v1`;
  const fetchFn: typeof fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);

  const handlers = new Map<keyof ClientEvents, Set<(value: never) => void>>();
  const emit = <K extends keyof ClientEvents>(event: K, value: ClientEvents[K]) => {
    for (const handler of [...(handlers.get(event) ?? [])]) {
      try {
        (handler as (value: ClientEvents[K]) => void)(value);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  };

  const credentials = new Credentials({
    apiBase,
    fetch: fetchFn,
    token: options.token,
    getToken: options.getToken,
    emit,
  });

  /** A request with the bearer token; after a 401, renewed once and sent again. */
  async function request<T>(
    method: Method,
    route: string,
    init: { body?: unknown; query?: Query; signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    const url = urlOf(apiBase, route, init.query);
    const token = await credentials.current(init.signal);
    try {
      return await send<T>(fetchFn, { method, url, body: init.body, token, signal: init.signal });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || token === null) throw error;
      const fresh = await credentials.renew(token, init.signal).catch(() => null);
      if (fresh === null) throw error;
      return send<T>(fetchFn, { method, url, body: init.body, token: fresh, signal: init.signal });
    }
  }

  /** A request that carries no bearer token (the password routes). */
  const anonymous = <T>(route: string, body: unknown, signal?: AbortSignal) =>
    send<T>(fetchFn, { method: 'POST', url: `${apiBase}${route}`, body, signal });

  const get = <T>(route: string, o?: RequestOptions, query?: Query) =>
    request<T>('GET', route, { query, signal: o?.signal });
  const post = <T>(route: string, body: unknown, o?: RequestOptions) =>
    request<T>('POST', route, { body, signal: o?.signal });
  const put = <T>(route: string, body: unknown, o?: RequestOptions) =>
    request<T>('PUT', route, { body, signal: o?.signal });
  const del = (route: string, o?: RequestOptions) =>
    request<void>('DELETE', route, { signal: o?.signal }).then(() => undefined);
  const none = (promise: Promise<unknown>) => promise.then(() => undefined);

  const room = (id: string) => path`/rooms/${id}`;

  const auth: AuthApi = {
    register: (body, o) => anonymous<UserResponse>('/auth/register', body, o?.signal),
    async login(body, o) {
      const answer = await anonymous<LoginResponse>('/auth/login', body, o?.signal);
      credentials.signIn(answer);
      return answer;
    },
    refresh: (o) => credentials.refresh(o),
    async logout(o) {
      const refreshToken = credentials.refreshToken;
      try {
        if (refreshToken) await anonymous<void>('/auth/logout', { refreshToken }, o?.signal);
      } finally {
        credentials.signOut('logout');
      }
    },
    session: credentials.session,
  };

  const users: UsersApi = {
    async me(o) {
      const user = await get<User>('/users/me', o);
      credentials.updateUser(user);
      return user;
    },
    async updateMe(body, o) {
      const user = await put<User>('/users/me', body, o);
      credentials.updateUser(user);
      return user;
    },
    settings: (o) => get('/users/me/settings', o),
    updateSettings: (body, o) => put('/users/me/settings', body, o),
    videoProfiles: (o) => get('/users/me/video-profiles', o),
    createVideoProfile: (body, o) => post('/users/me/video-profiles', body, o),
    deleteVideoProfile: (id, o) => del(path`/users/me/video-profiles/${id}`, o),
  };

  const rooms: RoomsApi = {
    create: (body, o) => post('/rooms', body, o),
    list: (query, o) => get('/rooms', o, query),
    get: (id, o) => get(room(id), o),
    update: (id, body, o) => put(room(id), body, o),
    remove: (id, o) => del(room(id), o),
    join: (id, body, o) => post(`${room(id)}/join`, body ?? {}, o),
    leave: (id, o) => none(post(`${room(id)}/leave`, undefined, o)),
    end: (id, o) => post(`${room(id)}/end`, undefined, o),
    lock: (id, o) => post(`${room(id)}/lock`, undefined, o),
    unlock: (id, o) => post(`${room(id)}/unlock`, undefined, o),
  };

  const invites: InvitesApi = {
    create: (id, body, o) => post(`${room(id)}/invite`, body ?? {}, o),
    list: (id, o) => get(`${room(id)}/invites`, o),
    revoke: (id, inviteId, o) => del(`${room(id)}/invites${path`/${inviteId}`}`, o),
    async redeem(token, body, o) {
      const route = path`/invites/${token}/redeem`;
      const answer = credentials.hasSource
        ? await request<RedeemInviteResponse>('POST', route, { body, signal: o?.signal })
        : await anonymous<RedeemInviteResponse>(route, body, o?.signal);
      if (answer.accessToken) credentials.signInGuest(answer);
      return answer;
    },
  };

  const waitingRoom: WaitingRoomApi = {
    list: (id, o) => get(`${room(id)}/waiting-room`, o),
    get: (id, entryId, o) => get(`${room(id)}/waiting-room${path`/${entryId}`}`, o),
    approve: (id, entryId, o) =>
      post(`${room(id)}/waiting-room${path`/${entryId}`}/approve`, undefined, o),
    reject: (id, entryId, body, o) =>
      post(`${room(id)}/waiting-room${path`/${entryId}`}/reject`, body ?? {}, o),
  };

  const participant = (id: string, participantId: string) =>
    `${room(id)}/participants${path`/${participantId}`}`;
  const participants: ParticipantsApi = {
    list: (id, o) => get(`${room(id)}/participants`, o),
    kick: (id, pid, body, o) => none(post(`${participant(id, pid)}/kick`, body ?? {}, o)),
    mute: (id, pid, body, o) => none(post(`${participant(id, pid)}/mute`, body, o)),
    setRole: (id, pid, body, o) => put(`${participant(id, pid)}/role`, body, o),
  };

  const message = (id: string, messageId: string) =>
    `${room(id)}/chat/messages${path`/${messageId}`}`;
  const chat: ChatApi = {
    list: (id, query, o) => get(`${room(id)}/chat/messages`, o, query),
    send: (id, body, o) => post(`${room(id)}/chat/messages`, body, o),
    edit: (id, messageId, body, o) => put(message(id, messageId), body, o),
    remove: (id, messageId, o) => del(message(id, messageId), o),
  };

  const media: MediaApi = {
    token: (id, o) => post(`${room(id)}/media/token`, undefined, o),
  };

  const stats: StatsApi = {
    report: (id, body, o) => post(`${room(id)}/stats`, body, o),
    room: (id, o) => get(`${room(id)}/stats`, o),
    participant: (id, pid, o) => get(`${room(id)}/stats/participants${path`/${pid}`}`, o),
  };

  const audit: AuditApi = {
    room: (id, query, o) => get(`${room(id)}/audit`, o, query),
    all: (query, o) => get('/admin/audit', o, query),
  };

  const rule = (ruleId: string) => path`/admin/rate-limits/${ruleId}`;
  const admin: AdminApi = {
    rateLimits: {
      list: (o) => get('/admin/rate-limits', o),
      create: (body, o) => post('/admin/rate-limits', body, o),
      get: (ruleId, o) => get(rule(ruleId), o),
      update: (ruleId, body, o) => put(rule(ruleId), body, o),
      remove: (ruleId, o) => del(rule(ruleId), o),
    },
  };

  const internals: ClientInternals = {
    server,
    async accessToken(o = {}) {
      let token = await credentials.current(o.signal);
      if (o.renew && token !== null) token = await credentials.renew(token, o.signal);
      if (token === null) throw new ApiError(401, 'UNAUTHORIZED', 'The client is not signed in');
      return token;
    },
    request,
  };

  const isHealthReport = (_status: number, body: unknown) =>
    typeof body === 'object' && body !== null && 'status' in body && 'checks' in body;

  const client: Client = {
    server,
    auth,
    users,
    rooms,
    invites,
    waitingRoom,
    participants,
    chat,
    media,
    stats,
    audit,
    admin,
    health: (o) =>
      send<HealthResponse>(
        fetchFn,
        { method: 'GET', url: `${server}/health`, signal: o?.signal },
        isHealthReport,
      ),
    realtime: (roomId, o) =>
      new RealtimeConnection({
        getToken: ({ refresh }) => internals.accessToken({ renew: refresh }),
        ...o,
        server,
        roomId,
      }),
    conference: (roomId, o) => new Conference(client, roomId, o),
    on(event, handler) {
      const set = handlers.get(event) ?? new Set();
      handlers.set(event, set);
      const entry = (value: never) => handler(value);
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
    close: () => credentials.close(),
  };

  INTERNALS.set(client, internals);
  return client;
}
