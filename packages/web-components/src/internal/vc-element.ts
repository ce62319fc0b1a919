import { ContextConsumer } from '@lit/context';
import {
  type Client,
  type Conference,
  type ConferenceOptions,
  createClient,
  isApiError,
} from '@videoconf/client-sdk';
import { LitElement, type PropertyValues } from 'lit';
import { conferenceContext } from './context';
import { emit } from './events';
import { type Strings, stringsFor } from './i18n';
import { themeStyles } from './theme';

const CONNECTION_KEYS = ['server', 'room', 'token', 'getToken', 'invite', 'displayName'] as const;

/** An attribute whose change makes a new connection. */
export type ConnectionKey = (typeof CONNECTION_KEYS)[number];

/**
 * What every `vc-*` element shares: the common attributes (`server`, `room`, `token` / `.token`,
 * `.getToken`, `invite`, `display-name`, `lang`, `.strings`, `theme`), and the `Conference` they
 * make: the one an enclosing `<vc-room>` provides (`@lit/context`), or else one of its own,
 * joined when the element is connected and left when it is removed.
 */
export abstract class VcElement extends LitElement {
  static override styles = [themeStyles];

  static override properties = {
    server: { type: String },
    room: { type: String },
    token: { type: String },
    getToken: { attribute: false },
    invite: { type: String },
    displayName: { type: String, attribute: 'display-name' },
    lang: { type: String, reflect: true },
    strings: { attribute: false },
    theme: { type: String, reflect: true },
    conference: { state: true },
    needsName: { state: true },
  };

  declare server: string | undefined;
  declare room: string | undefined;
  declare token: string | undefined;
  /** Supplies a fresh access token each time one is needed, instead of `token`. */
  declare getToken: (() => Promise<string>) | undefined;
  declare invite: string | undefined;
  declare displayName: string | undefined;
  declare lang: string;
  /** Overrides any of the element's texts, by key: `el.strings = { send: 'Post' }` (keys: `en`). */
  declare strings: Partial<Strings> | undefined;
  declare theme: 'light' | 'dark' | 'auto' | undefined;
  /** The conference the element shows: provided by `<vc-room>`, or its own. */
  declare conference: Conference | null;
  /** An `invite` without a `display-name`: the element asks for the name before it joins. */
  declare protected needsName: boolean;

  #provided: Conference | undefined;
  #client: Client | null = null;
  /** The client signed in as the `invite`'s guest (redeemed once per client). */
  #redeemed = false;
  #own: { client: Client; conference: Conference } | null = null;
  #generation = 0;
  /** The values of CONNECTION_KEYS the current connection was made with. */
  #made: unknown[] | null = null;

  constructor() {
    super();
    this.conference = null;
    this.needsName = false;
    new ContextConsumer(this, {
      context: conferenceContext,
      subscribe: true,
      callback: (conference) => {
        this.#provided = conference;
        this.#reconnect();
      },
    });
  }

  /**
   * Whether the element joins its own conference as soon as it is connected (`<vc-chat>`,
   * `<vc-waiting-room>` alone). `false` (`<vc-room>`): the element only makes the client
   * (`this.client`) and joins when it calls `joinOwn()` (the user's Join).
   */
  protected get joinsOnConnect(): boolean {
    return true;
  }

  /**
   * The attributes whose change makes a new connection (all of `server`, `room`, `token`,
   * `getToken`, `invite`, `display-name`; `<vc-room>` leaves out `display-name`, which only
   * fills its name field).
   */
  protected get connectionKeys(): readonly ConnectionKey[] {
    return CONNECTION_KEYS;
  }

  /** The client of the element's own connection (made from the common attributes), else `null`. */
  protected get client(): Client | null {
    return this.#client;
  }

  /** Called when `this.client` changes (new attributes, connected, removed). */
  protected clientChanged(_client: Client | null): void {}

  /** The conference options of an element's own connection (`<vc-chat>` alone: `media: false`). */
  protected abstract conferenceOptions(): ConferenceOptions;

  /** Called whenever the conference changes (set up features here; `null`: none). */
  protected abstract conferenceChanged(conference: Conference | null): void;

  /** The element's texts: its `lang` with `.strings` on top. */
  protected get text(): Strings {
    return stringsFor(this.lang, this.strings);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Attributes and properties set by the page in the same task are all in by then.
    queueMicrotask(() => this.#reconnect());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#teardown();
    this.#made = null;
    this.#setConference(null);
    this.#setClient(null);
  }

  /**
   * Makes the element's own conference with `conferenceOptions()` and joins it (redeeming the
   * `invite` first, as `displayName`, when the client has no session yet). Resolves with the
   * conference once `join()` settled; `null` when the attributes do not allow a connection.
   * A previous own conference is left first.
   */
  protected async joinOwn(displayName = this.displayName): Promise<Conference | null> {
    const client = this.#client;
    const { room } = this;
    if (!client || !room || this.#provided) return null;
    this.#teardown();
    const conference = client.conference(room, {
      ...(displayName ? { displayName } : {}),
      ...this.conferenceOptions(),
    });
    this.#own = { client, conference };
    const generation = this.#generation;
    this.#setConference(conference);
    await this.#join(client, conference, generation, displayName);
    return conference;
  }

  /** Leaves the element's own conference (if any) and shows none. */
  protected dropOwn(): void {
    if (this.#provided) return;
    this.#teardown();
    this.#setConference(null);
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    if (
      this.#made &&
      this.connectionKeys.some((key) => changed.has(key)) &&
      this.connectionKeys.some((key, i) => this[key] !== this.#made?.[i])
    ) {
      this.#reconnect();
    }
  }

  /** Reports a failure to the page (`vc-error`) and returns its code. */
  protected reportError(error: unknown): string {
    const code = isApiError(error) ? error.code : 'CLIENT_ERROR';
    const message = error instanceof Error ? error.message : String(error);
    emit(this, 'vc-error', { code, message });
    return code;
  }

  #setConference(conference: Conference | null) {
    if (this.conference === conference) return;
    this.conference = conference;
    this.conferenceChanged(conference);
  }

  #teardown() {
    this.#generation++;
    const own = this.#own;
    this.#own = null;
    if (own) void own.conference.leave().catch(() => undefined);
  }

  #setClient(client: Client | null) {
    if (this.#client === client) return;
    this.#client = client;
    this.#redeemed = false;
    this.clientChanged(client);
  }

  #reconnect() {
    if (!this.isConnected) return;
    this.#teardown();
    this.#made = this.connectionKeys.map((key) => this[key]);
    if (this.#provided) {
      this.#setClient(null);
      this.#setConference(this.#provided);
      return;
    }
    const { server, room } = this;
    const configured = Boolean(server && room && (this.token || this.getToken || this.invite));
    if (!this.joinsOnConnect) {
      this.#setConference(null);
      this.#setClient(server && configured ? this.#makeClient(server) : null);
      return;
    }
    this.needsName = Boolean(this.invite && !this.displayName && !this.token && !this.getToken);
    if (this.needsName || !server || !room || !configured) {
      this.#setClient(null);
      this.#setConference(null);
      return;
    }
    const client = this.#makeClient(server);
    this.#setClient(client);
    const conference = client.conference(room, {
      ...(this.displayName ? { displayName: this.displayName } : {}),
      ...this.conferenceOptions(),
    });
    this.#own = { client, conference };
    const generation = this.#generation;
    this.#setConference(conference);
    void this.#join(client, conference, generation);
  }

  #makeClient(server: string): Client {
    return createClient({
      server,
      ...(this.token ? { token: this.token } : {}),
      ...(this.getToken ? { getToken: this.getToken } : {}),
    });
  }

  async #join(
    client: Client,
    conference: Conference,
    generation: number,
    displayName = this.displayName,
  ) {
    try {
      if (this.invite && !this.token && !this.getToken && !this.#redeemed) {
        await client.invites.redeem(this.invite, { displayName: displayName ?? '' });
        this.#redeemed = true;
      }
      // Left (or dropped) while the invite was being redeemed: nothing to join any more.
      if (generation !== this.#generation || conference.state.get() !== 'idle') return;
      await conference.join();
      if (generation !== this.#generation) return;
      if (conference.state.get() === 'error' && conference.error) {
        this.reportError(conference.error);
      }
    } catch (error) {
      if (generation === this.#generation) this.reportError(error);
    }
  }
}
