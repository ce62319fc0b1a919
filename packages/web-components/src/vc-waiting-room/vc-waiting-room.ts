import {
  type Conference,
  type ConferenceOptions,
  type ConferenceState,
  type Participant,
  setupWaitingRoom,
  type WaitingEntry,
  type WaitingRoomFeature,
} from '@videoconf/client-sdk';
import { html, nothing, type PropertyValues } from 'lit';
import { emit } from '../internal/events';
import { format } from '../internal/i18n';
import { StoreController } from '../internal/store-controller';
import { VcElement } from '../internal/vc-element';
import { waitingRoomStyles } from './vc-waiting-room.styles';

/** What the element shows: derived from the conference's state and the person's role. */
type View = 'name' | 'connecting' | 'waiting' | 'host' | 'rejected' | 'ended' | 'error' | 'none';

/**
 * The lobby of a room with a waiting room, for both sides of its door.
 *
 * - **Guest side** (the person knocked: the conference is `waiting`): a status that says they are
 *   waiting for the host, then, when a host decides, either the element hides (admitted: the
 *   conference moves on to `connected`) or it says they were not let in, with the host's reason
 *   when one was given.
 * - **Host side** (a host or co-host, connected): the people waiting, oldest first, each with
 *   Admit and Reject (an optional reason in a small inline form), Admit all, and live updates
 *   as people knock or are decided elsewhere.
 * - **Anyone else** (an ordinary participant in the room, or a person who left or was removed):
 *   the element sets `hidden` on itself and renders nothing.
 *
 * Alone it joins the room without media (a guest redeems `invite` and knocks); inside
 * `<vc-room>` it uses the room's connection.
 *
 * @attr server - base URL of the videoconf server
 * @attr room - room id
 * @attr token - a bearer access token (or set `.getToken`)
 * @attr invite - an invite token to redeem as a guest (who then knocks)
 * @attr display-name - name to show when joining (asked for when an `invite` has none)
 * @attr lang - `en` (default) or `ru`; `.strings` overrides any text
 * @attr theme - `light`, `dark` or `auto` (default)
 * @attr hidden - set by the element while it has nothing to show (an ordinary participant)
 *
 * @event vc-waiting - the person knocked and waits (`detail.entry`, pending)
 * @event vc-admitted - the person's own entry was admitted (guest side), or a host or co-host
 *   admitted someone (host side; `detail.entry`, approved)
 * @event vc-rejected - the person's own entry was rejected (guest side), or a host or co-host
 *   rejected someone (host side; `detail.entry`, rejected, with its `reason`)
 * @event vc-error - joining, admitting or rejecting failed (`detail.code`, `detail.message`)
 *
 * @csspart lobby - the guest side
 * @csspart status - what the guest is told (waiting, not let in, connecting); `role="status"`
 * @csspart hint - the line under the status
 * @csspart reason - the host's reason for a rejection
 * @csspart host - the host side
 * @csspart header - the title and the approve-all button
 * @csspart title - "Waiting room" and the count
 * @csspart entries - the list of people waiting
 * @csspart entry - one person waiting
 * @csspart entry-name - their name (text, never HTML)
 * @csspart entry-time - since when they wait
 * @csspart entry-actions - approve and reject of one entry
 * @csspart approve-button - admits one person
 * @csspart reject-button - opens the reject form of one person
 * @csspart reject-form - the optional reason and the confirmation of a rejection
 * @csspart reason-input - the reason field
 * @csspart confirm-reject-button - rejects, with the reason if any
 * @csspart cancel-button - closes the reject form
 * @csspart approve-all-button - admits everyone waiting
 * @csspart empty - "Nobody is waiting"
 * @csspart error - the last failure (`role="alert"`)
 * @csspart name-form - asks a guest's name before redeeming an `invite`
 * @csspart name-input - the guest's name
 * @csspart join-button - knocks with that name
 *
 * @cssproperty --vc-font-family
 * @cssproperty --vc-color-bg - the element's background, the reason field
 * @cssproperty --vc-color-surface - one entry
 * @cssproperty --vc-color-text
 * @cssproperty --vc-color-muted - times, hints, "Nobody is waiting", field borders
 * @cssproperty --vc-color-accent - admit buttons, focus rings
 * @cssproperty --vc-color-on-accent - text on the accent colour
 * @cssproperty --vc-color-danger - reject, errors
 * @cssproperty --vc-radius
 * @cssproperty --vc-gap
 */
export class VcWaitingRoom extends VcElement {
  static override styles = [...VcElement.styles, waitingRoomStyles];

  static override properties = {
    ...VcElement.properties,
    rejecting: { state: true },
    busy: { state: true },
    errorText: { state: true },
    announcement: { state: true },
  };

  /** The entry whose reject form is open. */
  declare protected rejecting: string | null;
  /** Entries (and `*` for approve-all) with a decision on its way. */
  declare protected busy: ReadonlySet<string>;
  declare protected errorText: string;
  declare protected announcement: string;

  #lobby: WaitingRoomFeature | null = null;
  #stops: (() => void)[] = [];
  #entries = new StoreController<WaitingEntry[]>(this, []);
  #entry = new StoreController<WaitingEntry | null>(this, null);
  #state = new StoreController<ConferenceState>(this, 'idle');
  /** Followed so that a promotion to co-host (or a demotion) switches the side shown. */
  #self = new StoreController<Participant | null>(this, null);
  /** The person's own entry while it was pending, and as decided (for the guest-side events). */
  #ownEntry: WaitingEntry | null = null;
  /** What the guest-side events were already emitted for. */
  #emitted = { waiting: '', decided: '' };
  /** Where focus goes after the next render (an entry's buttons vanish with it). */
  #focusAfter: string | null = null;

  constructor() {
    super();
    this.rejecting = null;
    this.busy = new Set();
    this.errorText = '';
    this.announcement = '';
  }

  /** The people waiting (host side; empty for others), oldest first. */
  get entries(): WaitingEntry[] {
    return this.#entries.value;
  }

  protected override conferenceOptions(): ConferenceOptions {
    return { media: false };
  }

  protected override conferenceChanged(conference: Conference | null): void {
    for (const stop of this.#stops) stop();
    this.#stops = [];
    this.#lobby?.dispose();
    this.#lobby = conference ? setupWaitingRoom(conference) : null;
    this.#ownEntry = null;
    this.#emitted = { waiting: '', decided: '' };
    this.rejecting = null;
    this.busy = new Set();
    this.errorText = '';
    this.announcement = '';
    this.#entries.setStore(this.#lobby?.entries ?? null);
    this.#entry.setStore(this.#lobby?.self ?? null);
    this.#state.setStore(conference?.state ?? null);
    this.#self.setStore(conference?.self ?? null);
    if (!conference) return;
    this.#stops.push(
      conference.onRealtime('waiting.requested', ({ data }) => {
        if (conference.isModerator) {
          this.announcement = format(this.text.waitingKnocked, { name: data.entry.displayName });
        }
      }),
      // Hosts and co-hosts hear every decision (their own, another co-host's, another tab's); the
      // waiting person hears theirs.
      conference.onRealtime('waiting.approved', ({ data }) =>
        this.#decided(conference, data.entry),
      ),
      conference.onRealtime('waiting.rejected', ({ data }) =>
        this.#decided(conference, data.entry),
      ),
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const stop of this.#stops) stop();
    this.#stops = [];
    this.#lobby?.dispose();
    this.#lobby = null;
  }

  #decided(conference: Conference, entry: WaitingEntry) {
    if (entry.id === this.#ownEntry?.id) {
      // The guest side: the events follow the conference's state (see `updated`).
      this.#ownEntry = entry;
      return;
    }
    if (!conference.isModerator) return;
    emit(this, entry.status === 'approved' ? 'vc-admitted' : 'vc-rejected', { entry });
  }

  get #view(): View {
    if (this.needsName) return 'name';
    if (!this.conference) return 'connecting';
    switch (this.#state.value) {
      case 'idle':
      case 'joining':
        return this.#ownEntry ? 'waiting' : 'connecting';
      case 'waiting':
        return 'waiting';
      case 'connected':
      case 'reconnecting':
        return this.conference.isModerator ? 'host' : 'none';
      case 'rejected':
        return 'rejected';
      case 'ended':
        return 'ended';
      case 'error':
        return 'error';
      default:
        return 'none';
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // The conference's entry is null once admitted: keep the last one for the events (the
    // decided one from the realtime event, when it came, over the pending one).
    const entry = this.#entry.value;
    if (entry && (entry.id !== this.#ownEntry?.id || entry.status !== 'pending')) {
      this.#ownEntry = entry;
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const view = this.#view;
    this.toggleAttribute('hidden', view === 'none');
    this.#emitGuestEvents();
    if (this.#focusAfter !== null) {
      const target = this.renderRoot.querySelector<HTMLElement>(this.#focusAfter);
      this.#focusAfter = null;
      target?.focus();
    }
  }

  /** vc-waiting on the knock, then vc-admitted or vc-rejected as the conference moves on. */
  #emitGuestEvents() {
    const entry = this.#ownEntry;
    if (!entry) return;
    const state = this.#state.value;
    if (state === 'waiting' && this.#emitted.waiting !== entry.id) {
      this.#emitted.waiting = entry.id;
      emit(this, 'vc-waiting', { entry });
    } else if (state === 'connected' && this.#emitted.decided !== entry.id) {
      this.#emitted.decided = entry.id;
      emit(this, 'vc-admitted', { entry });
    } else if (state === 'rejected' && this.#emitted.decided !== entry.id) {
      this.#emitted.decided = entry.id;
      emit(this, 'vc-rejected', { entry: this.#entry.value ?? entry });
    }
  }

  #fail(text: string, error: unknown) {
    this.reportError(error);
    this.errorText = format(text, {
      message: error instanceof Error ? error.message : String(error),
    });
  }

  #setBusy(id: string, on: boolean) {
    const next = new Set(this.busy);
    if (on) next.add(id);
    else next.delete(id);
    this.busy = next;
  }

  /**
   * Where focus goes once `entry` is decided and its buttons are gone: the next entry's approve
   * button (or the previous one's), else the "Nobody is waiting" line. Read before the decision
   * (the list changes), applied after it.
   */
  #nextFocus(entryId: string): string {
    const list = this.#entries.value;
    const at = list.findIndex((e) => e.id === entryId);
    const next = list[at + 1] ?? list[at - 1];
    return next ? `[data-id="${next.id}"] [part="approve-button"]` : '[part="empty"]';
  }

  /** Moves focus to `selector` after the next render, if focus was in the decided entry. */
  #refocus(entryId: string, selector: string) {
    const active = (this.renderRoot as ShadowRoot).activeElement;
    if (active === null || active.closest(`[data-id="${entryId}"]`)) this.#focusAfter = selector;
  }

  async #admit(entry: WaitingEntry) {
    const lobby = this.#lobby;
    if (!lobby) return;
    this.errorText = '';
    this.#setBusy(entry.id, true);
    const next = this.#nextFocus(entry.id);
    try {
      await lobby.admit(entry.id);
      this.#refocus(entry.id, next);
    } catch (error) {
      this.#fail(format(this.text.waitingAdmitFailed, { name: entry.displayName }), error);
    } finally {
      this.#setBusy(entry.id, false);
    }
  }

  async #reject(entry: WaitingEntry, reason: string) {
    const lobby = this.#lobby;
    if (!lobby) return;
    this.errorText = '';
    this.#setBusy(entry.id, true);
    const next = this.#nextFocus(entry.id);
    try {
      await lobby.reject(entry.id, reason.trim() || undefined);
      this.#refocus(entry.id, next);
      if (this.rejecting === entry.id) this.rejecting = null;
    } catch (error) {
      this.#fail(format(this.text.waitingRejectFailed, { name: entry.displayName }), error);
    } finally {
      this.#setBusy(entry.id, false);
    }
  }

  async #admitAll() {
    const lobby = this.#lobby;
    if (!lobby) return;
    this.errorText = '';
    this.#setBusy('*', true);
    try {
      await lobby.admitAll();
      this.#focusAfter = '[part="empty"]';
    } catch (error) {
      this.#fail(this.text.waitingAdmitAllFailed, error);
    } finally {
      this.#setBusy('*', false);
    }
  }

  #openReject(entry: WaitingEntry) {
    this.rejecting = entry.id;
    this.#focusAfter = `[data-id="${entry.id}"] [part="reason-input"]`;
  }

  #closeReject(entry: WaitingEntry) {
    this.rejecting = null;
    this.#focusAfter = `[data-id="${entry.id}"] [part="reject-button"]`;
  }

  #time(iso: string): string {
    try {
      return new Intl.DateTimeFormat(this.lang || 'en', {
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(iso));
    } catch {
      return new Date(iso).toLocaleTimeString();
    }
  }

  #renderNameForm() {
    const t = this.text;
    const submit = (event: Event) => {
      event.preventDefault();
      const input = this.renderRoot.querySelector<HTMLInputElement>('[part="name-input"]');
      const name = input?.value.trim();
      if (name) this.displayName = name;
    };
    return html`<form part="name-form" @submit=${submit}>
      <label for="name">${t.guestName}</label>
      <input id="name" part="name-input" required maxlength="100" autocomplete="name" />
      <button part="join-button" type="submit">${t.waitingKnock}</button>
    </form>`;
  }

  #renderGuest(view: View) {
    const t = this.text;
    const entry = this.#entry.value ?? this.#ownEntry;
    let status: string = t.connecting;
    let hint: unknown = nothing;
    if (view === 'waiting') {
      status = t.waitingStatus;
      hint = entry
        ? html`<p part="hint">${format(t.waitingHint, { name: entry.displayName })}</p>`
        : nothing;
    } else if (view === 'rejected') {
      status = t.waitingRejected;
      const reason = entry?.status === 'rejected' ? entry.reason : null;
      hint = reason ? html`<p part="reason">${format(t.waitingReason, { reason })}</p>` : nothing;
    } else if (view === 'ended') {
      status = t.waitingEnded;
    } else if (view === 'error') {
      status = t.waitingFailed;
      const message = this.conference?.error?.message;
      hint = message ? html`<p part="error" role="alert">${message}</p>` : nothing;
    }
    // One live region whose text changes: screen readers announce each new status.
    return html`<div part="lobby">
      <div role="status" aria-live="polite" aria-atomic="true">
        <p part="status">${status}</p>
        ${view === 'rejected' ? hint : nothing}
      </div>
      ${view === 'rejected' ? nothing : hint}
    </div>`;
  }

  #renderEntry(entry: WaitingEntry) {
    const t = this.text;
    const name = entry.displayName;
    const busy = this.busy.has(entry.id) || this.busy.has('*');
    const rejecting = this.rejecting === entry.id;
    const submitReject = (event: Event) => {
      event.preventDefault();
      const input = (event.currentTarget as HTMLFormElement).querySelector('input');
      void this.#reject(entry, input?.value ?? '');
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        this.#closeReject(entry);
      }
    };
    const reasonId = `reason-${entry.id}`;
    return html`<li part="entry" data-id=${entry.id}>
      <div class="who">
        <span part="entry-name">${name}</span>
        <time part="entry-time" datetime=${entry.requestedAt}>${format(t.waitingSince, {
          time: this.#time(entry.requestedAt),
        })}</time>
      </div>
      <div part="entry-actions">
        <button type="button" part="approve-button" ?disabled=${busy}
          aria-label=${format(t.waitingAdmitLabel, { name })}
          @click=${() => void this.#admit(entry)}>${t.waitingAdmit}</button>
        <button type="button" part="reject-button" ?disabled=${busy}
          aria-label=${format(t.waitingRejectLabel, { name })}
          aria-expanded=${rejecting ? 'true' : 'false'}
          aria-controls=${rejecting ? `form-${entry.id}` : nothing}
          @click=${() => (rejecting ? this.#closeReject(entry) : this.#openReject(entry))}
        >${t.waitingReject}</button>
      </div>
      ${
        rejecting
          ? html`<form part="reject-form" id=${`form-${entry.id}`} @submit=${submitReject}
              @keydown=${onKeyDown} aria-label=${format(t.waitingRejectLabel, { name })}>
              <label for=${reasonId}>${format(t.waitingReasonLabel, { name })}</label>
              <input id=${reasonId} part="reason-input" maxlength="500" autocomplete="off" />
              <button type="submit" part="confirm-reject-button" ?disabled=${busy}>${t.waitingReject}</button>
              <button type="button" part="cancel-button"
                @click=${() => this.#closeReject(entry)}>${t.cancel}</button>
            </form>`
          : nothing
      }
    </li>`;
  }

  #renderHost() {
    const t = this.text;
    const entries = this.#entries.value;
    return html`<section part="host" aria-labelledby="title">
      <div part="header">
        <span part="title" id="title">${format(t.waitingTitle, { count: entries.length })}</span>
        ${
          entries.length > 1
            ? html`<button type="button" part="approve-all-button" ?disabled=${this.busy.has('*')}
                @click=${() => void this.#admitAll()}>${format(t.waitingAdmitAll, {
                  count: entries.length,
                })}</button>`
            : nothing
        }
      </div>
      ${
        entries.length > 0
          ? html`<ul part="entries" aria-label=${t.waitingListLabel} tabindex="-1">
              ${entries.map((entry) => this.#renderEntry(entry))}
            </ul>`
          : html`<p part="empty" tabindex="-1">${t.waitingEmpty}</p>`
      }
      ${this.errorText ? html`<p part="error" role="alert">${this.errorText}</p>` : nothing}
      <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">${this.announcement}</div>
    </section>`;
  }

  protected override render() {
    const view = this.#view;
    if (view === 'none') return nothing;
    if (view === 'name') return this.#renderNameForm();
    if (view === 'host') return this.#renderHost();
    return this.#renderGuest(view);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vc-waiting-room': VcWaitingRoom;
  }
}
