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
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    if (
      this.#made &&
      CONNECTION_KEYS.some((key) => changed.has(key)) &&
      CONNECTION_KEYS.some((key, i) => this[key] !== this.#made?.[i])
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

  #reconnect() {
    if (!this.isConnected) return;
    this.#teardown();
    this.#made = CONNECTION_KEYS.map((key) => this[key]);
    if (this.#provided) {
      this.#setConference(this.#provided);
      return;
    }
    const { server, room } = this;
    this.needsName = Boolean(this.invite && !this.displayName && !this.token && !this.getToken);
    if (this.needsName) {
      this.#setConference(null);
      return;
    }
    if (!server || !room || !(this.token || this.getToken || this.invite)) {
      this.#setConference(null);
      return;
    }
    const client = createClient({
      server,
      ...(this.token ? { token: this.token } : {}),
      ...(this.getToken ? { getToken: this.getToken } : {}),
    });
    const conference = client.conference(room, {
      ...(this.displayName ? { displayName: this.displayName } : {}),
      ...this.conferenceOptions(),
    });
    this.#own = { client, conference };
    const generation = this.#generation;
    this.#setConference(conference);
    void this.#join(client, conference, generation);
  }

  async #join(client: Client, conference: Conference, generation: number) {
    try {
      if (this.invite && !this.token && !this.getToken) {
        await client.invites.redeem(this.invite, { displayName: this.displayName ?? '' });
      }
      if (generation !== this.#generation) return;
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
