import type { LoginResponse, RedeemInviteResponse, TokenPair, User } from '@videoconf/protocol';
import { ApiError } from './errors';
import { type RequestOptions, send } from './http';
import { type Store, type WritableStore, writable } from './store';

/** Why the client signed out: `logout()`, or the server refused the session. */
export type SignedOutReason =
  /** `auth.logout()` was called. */
  | 'logout'
  /** A refresh was answered `TOKEN_REUSED`, `INVALID_TOKEN` or `TOKEN_EXPIRED`: the session is over. */
  | 'revoked'
  /** A guest's access token (it cannot be refreshed) was refused as expired or invalid. */
  | 'expired';

/** The events of a `Client`, with the argument each handler gets. */
export interface ClientEvents {
  /** A password sign-in (`auth.login`) or a guest sign-in (`invites.redeem` without a session). */
  signedIn: { user: User };
  /** The client dropped its session: see `SignedOutReason`. */
  signedOut: { reason: SignedOutReason };
}

/** What `client.auth.session` holds: the signed-in user, or `null`. */
export type Session = { user: User } | null;

/** The tokens of a sign-in through this client. Guests have no refresh token. */
interface Tokens {
  user: User;
  accessToken: string;
  refreshToken: string | null;
  /** When the access token was received and when it expires, in `Date.now()` milliseconds. */
  issuedAt: number;
  expiresAt: number;
}

/** Refresh this long before the access token expires (at most a fifth of its lifetime). */
const REFRESH_MARGIN_MS = 60_000;
/** The largest delay `setTimeout` takes (about 24.8 days); later expiries are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The `iat` and `exp` claims of a JWT in milliseconds (`iat` is `exp` when missing), or
 * `undefined` when it is not a readable JWT with an `exp`.
 */
export function lifetimeOf(token: string): { issuedAt: number; expiresAt: number } | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const { exp, iat } = JSON.parse(json) as { exp?: unknown; iat?: unknown };
    if (typeof exp !== 'number') return undefined;
    return { issuedAt: (typeof iat === 'number' ? iat : exp) * 1000, expiresAt: exp * 1000 };
  } catch {
    return undefined;
  }
}

/**
 * The moment to renew a token valid from `issuedAt` to `expiresAt`: a fifth of its lifetime
 * early, at most `REFRESH_MARGIN_MS`.
 */
function renewAt({ issuedAt, expiresAt }: { issuedAt: number; expiresAt: number }): number {
  return expiresAt - Math.min(REFRESH_MARGIN_MS, Math.max(0, expiresAt - issuedAt) / 5);
}

/** Rejects with `ABORTED` when `signal` fires first; the shared work `promise` goes on. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  const aborted = () =>
    new ApiError(0, 'ABORTED', 'The request was aborted', { cause: signal.reason });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export interface CredentialsOptions {
  apiBase: string;
  fetch: typeof fetch;
  token?: string | undefined;
  getToken?: (() => Promise<string>) | undefined;
  emit: <K extends keyof ClientEvents>(event: K, value: ClientEvents[K]) => void;
}

/**
 * The bearer tokens of one client. A sign-in through the client (password or guest) wins over
 * the host application's `token` / `getToken`. Password sessions are refreshed before expiry
 * (a timer) and after a 401; both go through one in-flight refresh, so any number of
 * concurrent 401s cause one refresh request.
 */
export class Credentials {
  readonly #options: CredentialsOptions;
  readonly #session: WritableStore<Session> = writable<Session>(null);
  #tokens: Tokens | null = null;
  #refreshing: Promise<Tokens> | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The host application's token: `options.token`, then each answer of `getToken`. */
  #hostToken: string | null;
  #asking: Promise<string> | null = null;
  #closed = false;

  constructor(options: CredentialsOptions) {
    this.#options = options;
    this.#hostToken = options.token ?? null;
  }

  get session(): Store<Session> {
    return this.#session.readonly;
  }

  /** The refresh token of the password session, if any. */
  get refreshToken(): string | null {
    return this.#tokens?.refreshToken ?? null;
  }

  /** Whether a request may carry a bearer token (a session or a host token source). */
  get hasSource(): boolean {
    return (
      this.#tokens !== null || this.#hostToken !== null || this.#options.getToken !== undefined
    );
  }

  /**
   * The bearer token to send now, renewed first when it is about to expire; `null` when there
   * is none (signed out and no host token).
   */
  async current(signal?: AbortSignal): Promise<string | null> {
    const tokens = this.#tokens;
    if (tokens) {
      if (tokens.refreshToken && Date.now() >= renewAt(tokens)) {
        try {
          return (await abortable(this.#refresh(tokens), signal)).accessToken;
        } catch (error) {
          // A refresh that failed for a passing reason (network, 5xx) leaves the session: the
          // current token may still be good, and the server says so if not.
          if (this.#tokens === tokens) return tokens.accessToken;
          throw error;
        }
      }
      return tokens.accessToken;
    }
    const { getToken } = this.#options;
    if (getToken) {
      const known = this.#hostToken;
      const lifetime = known ? lifetimeOf(known) : undefined;
      if (known && (lifetime === undefined || Date.now() < renewAt(lifetime))) return known;
      return abortable(this.#ask(), signal);
    }
    return this.#hostToken;
  }

  /**
   * After a 401 to a request that carried `failed`: the token to retry with, or `null` when
   * there is nothing new to try. A password session is refreshed (once for all concurrent
   * callers); `getToken` is asked again (once); a guest session whose token was refused ends.
   */
  async renew(failed: string, signal?: AbortSignal): Promise<string | null> {
    const tokens = this.#tokens;
    if (tokens) {
      if (tokens.accessToken !== failed) return tokens.accessToken;
      if (tokens.refreshToken) {
        return (await abortable(this.#refresh(tokens), signal)).accessToken;
      }
      this.signOut('expired');
      return null;
    }
    if (this.#options.getToken) {
      if (this.#hostToken !== failed && this.#hostToken !== null) return this.#hostToken;
      const fresh = await abortable(this.#ask(), signal);
      return fresh === failed ? null : fresh;
    }
    return null;
  }

  /** `auth.refresh()`: a refresh now (joining one in flight). */
  async refresh(options?: RequestOptions): Promise<TokenPair> {
    const tokens = this.#tokens;
    if (!tokens?.refreshToken) {
      throw new ApiError(401, 'UNAUTHORIZED', 'Not signed in with a password session');
    }
    const next = await abortable(this.#refresh(tokens), options?.signal);
    return {
      accessToken: next.accessToken,
      refreshToken: next.refreshToken as string,
      expiresIn: Math.max(1, Math.round((next.expiresAt - Date.now()) / 1000)),
    };
  }

  /** Keeps the tokens of a password login. */
  signIn(answer: LoginResponse): void {
    this.#set({
      user: answer.user,
      accessToken: answer.accessToken,
      refreshToken: answer.refreshToken,
      issuedAt: Date.now(),
      expiresAt: Date.now() + answer.expiresIn * 1000,
    });
    this.#options.emit('signedIn', { user: answer.user });
  }

  /** Keeps the guest token of an invite redeemed without a session. */
  signInGuest(answer: RedeemInviteResponse): void {
    if (!answer.accessToken) return;
    const now = Date.now();
    this.#set({
      user: answer.user,
      accessToken: answer.accessToken,
      refreshToken: null,
      issuedAt: now,
      expiresAt: answer.expiresIn
        ? now + answer.expiresIn * 1000
        : (lifetimeOf(answer.accessToken)?.expiresAt ?? Number.MAX_SAFE_INTEGER),
    });
    this.#options.emit('signedIn', { user: answer.user });
  }

  /** The user of the session changed (`users.me()`, `users.updateMe()`). */
  updateUser(user: User): void {
    if (this.#tokens && this.#tokens.user.id === user.id) {
      this.#tokens = { ...this.#tokens, user };
      this.#session.set({ user });
    }
  }

  /** Drops the session (if any), its timer and any refresh in flight, and emits `signedOut`. */
  signOut(reason: SignedOutReason): void {
    if (!this.#tokens) return;
    this.#tokens = null;
    this.#refreshing = null;
    this.#clearTimer();
    this.#session.set(null);
    this.#options.emit('signedOut', { reason });
  }

  /** No more background work: the refresh timer is cleared and not armed again. */
  close(): void {
    this.#closed = true;
    this.#clearTimer();
  }

  #set(tokens: Tokens): void {
    this.#tokens = tokens;
    this.#refreshing = null;
    this.#session.set({ user: tokens.user });
    this.#arm();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Arms the refresh before expiry of a password session. */
  #arm(): void {
    this.#clearTimer();
    const tokens = this.#tokens;
    if (this.#closed || !tokens?.refreshToken) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, renewAt(tokens) - Date.now()));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#tokens !== tokens) return;
      if (Date.now() < renewAt(tokens)) {
        this.#arm();
        return;
      }
      // A failure for a passing reason is retried by the next request; a refused session
      // signs out inside #refresh.
      this.#refresh(tokens).catch(() => undefined);
    }, delay);
    // In Node, a pending refresh must not keep the process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** The one refresh in flight for `tokens`, started when there is none. */
  #refresh(tokens: Tokens): Promise<Tokens> {
    if (this.#tokens !== tokens) {
      return this.#tokens
        ? Promise.resolve(this.#tokens)
        : Promise.reject(new ApiError(401, 'UNAUTHORIZED', 'Signed out'));
    }
    if (this.#refreshing) return this.#refreshing;
    const refreshing = (async () => {
      let pair: TokenPair;
      try {
        pair = await send<TokenPair>(this.#options.fetch, {
          method: 'POST',
          url: `${this.#options.apiBase}/auth/refresh`,
          body: { refreshToken: tokens.refreshToken },
        });
      } catch (error) {
        const refused =
          error instanceof ApiError &&
          (error.code === 'TOKEN_REUSED' ||
            error.code === 'INVALID_TOKEN' ||
            error.code === 'TOKEN_EXPIRED');
        if (this.#tokens === tokens) {
          this.#refreshing = null;
          if (refused) this.signOut('revoked');
        }
        throw error;
      }
      if (this.#tokens !== tokens) {
        // Signed out (or in again) meanwhile: this answer belongs to no session any more.
        throw new ApiError(401, 'UNAUTHORIZED', 'Signed out');
      }
      const next: Tokens = {
        user: tokens.user,
        accessToken: pair.accessToken,
        refreshToken: pair.refreshToken,
        issuedAt: Date.now(),
        expiresAt: Date.now() + pair.expiresIn * 1000,
      };
      this.#set(next);
      return next;
    })();
    this.#refreshing = refreshing;
    return refreshing;
  }

  /** The one `getToken()` call in flight. */
  #ask(): Promise<string> {
    const getToken = this.#options.getToken;
    if (!getToken) return Promise.reject(new ApiError(401, 'UNAUTHORIZED', 'No token'));
    if (!this.#asking) {
      const asking = (async () => {
        try {
          const token = await getToken();
          this.#hostToken = token;
          return token;
        } finally {
          this.#asking = null;
        }
      })();
      this.#asking = asking;
    }
    return this.#asking;
  }
}
