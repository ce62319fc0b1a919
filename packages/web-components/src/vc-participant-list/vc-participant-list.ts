import {
  type Conference,
  type ConferenceOptions,
  type Participant,
  type ParticipantsFeature,
  type ParticipantView,
  type Room,
  setupParticipants,
} from '@videoconf/client-sdk';
import { html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { emit } from '../internal/events';
import { format, type StringKey } from '../internal/i18n';
import { icon } from '../internal/icons';
import { StoreController } from '../internal/store-controller';
import { VcElement } from '../internal/vc-element';
import { participantListStyles } from './vc-participant-list.styles';

const ROLE_KEYS: Record<Participant['role'], StringKey> = {
  host: 'participantsRoleHost',
  co_host: 'participantsRoleCoHost',
  participant: 'participantsRoleParticipant',
};

type Action = 'mute' | 'kick' | 'role';

/**
 * Who is in the room: each participant's name, role (host, co-host, participant) and whether
 * their microphone and camera are on. A host or co-host gets, for everyone else, the buttons the
 * server allows them: mute, remove (after a cancelable `vc-request-kick`) and, for the host,
 * make co-host or back; and the lobby (`<vc-waiting-room>`) at the top.
 *
 * A building block of `<vc-room>`, which provides the conference (`@lit/context`); inside a
 * `<vc-room>` it is usable in a layout of one's own. Alone (with `server`, `room`, `token`) it
 * joins the room itself, with camera and microphone.
 *
 * @attr server - base URL of the videoconf server (alone only)
 * @attr room - room id (alone only)
 * @attr token - a bearer access token (alone only; or set `.getToken`)
 * @attr display-name - name to show when joining (alone only)
 * @attr lang - `en` (default) or `ru`; `.strings` overrides any text
 * @attr theme - `light`, `dark` or `auto` (default)
 *
 * @event vc-request-kick - cancelable: a host asked to remove `detail.participant`; `preventDefault()` keeps them
 * @event vc-error - a mute, kick or role change failed (`detail.code`, `detail.message`)
 *
 * @csspart participants - the list
 * @csspart participant - one person (`data-role`, and `local` for oneself)
 * @csspart participant-name - the name (text)
 * @csspart participant-role - host, co-host or participant
 * @csspart mic-state - microphone on or off (`data-on`)
 * @csspart camera-state - camera on or off (`data-on`)
 * @csspart mute-button - mutes their microphone (moderators)
 * @csspart kick-button - removes them from the room (moderators)
 * @csspart promote-button - makes them co-host, or a participant again (the host)
 * @csspart error - the last failure (`role="alert"`)
 * @csspart status - connecting
 * @csspart entries - the lobby's entries (from `<vc-waiting-room>`, moderators only)
 * @csspart entry - one lobby entry
 * @csspart entry-name - its name
 * @csspart approve-button - admits the entry
 * @csspart reject-button - turns the entry away
 * @csspart approve-all-button - admits every entry
 *
 * @cssproperty --vc-font-family
 * @cssproperty --vc-color-bg - the element's background
 * @cssproperty --vc-color-surface - the rows
 * @cssproperty --vc-color-text
 * @cssproperty --vc-color-muted - roles, "(you)"
 * @cssproperty --vc-color-accent - focus rings, the co-host button
 * @cssproperty --vc-color-danger - the remove button, muted marks, errors
 * @cssproperty --vc-radius
 * @cssproperty --vc-gap
 */
export class VcParticipantList extends VcElement {
  static override styles = [...VcElement.styles, participantListStyles];

  static override properties = {
    ...VcElement.properties,
    errorText: { state: true },
    busy: { state: true },
  };

  declare protected errorText: string;
  /** Actions under way, as `participantId:action`. */
  declare protected busy: ReadonlySet<string>;

  #feature: ParticipantsFeature | null = null;
  #participants = new StoreController<ParticipantView[]>(this, []);
  #self = new StoreController<Participant | null>(this, null);
  #room = new StoreController<Room | null>(this, null);

  constructor() {
    super();
    this.errorText = '';
    this.busy = new Set();
  }

  /** Alone, the list joins with camera and microphone (the person's and the room's settings). */
  protected override conferenceOptions(): ConferenceOptions {
    return {};
  }

  protected override conferenceChanged(conference: Conference | null): void {
    this.#feature = conference ? setupParticipants(conference) : null;
    this.#participants.setStore(this.#feature?.participants ?? null);
    this.#self.setStore(conference?.self ?? null);
    this.#room.setStore(conference?.room ?? null);
    this.errorText = '';
    this.busy = new Set();
  }

  /** The contract's participant behind a view (no tracks: an event's detail stays plain data). */
  #plain(view: ParticipantView): Participant {
    const found = this.conference?.participants.get().find((p) => p.id === view.id);
    if (found) return found;
    const { id, roomId, userId, displayName, role, joinedAt, leftAt, leaveReason } = view;
    const { isKicked, livekitSid } = view;
    return {
      id,
      roomId,
      userId,
      displayName,
      role,
      joinedAt,
      leftAt,
      leaveReason,
      isKicked,
      livekitSid,
    };
  }

  async #run(view: ParticipantView, action: Action, work: (c: Conference) => Promise<unknown>) {
    const conference = this.conference;
    if (!conference) return;
    const key = `${view.id}:${action}`;
    if (this.busy.has(key)) return;
    this.errorText = '';
    this.busy = new Set([...this.busy, key]);
    try {
      await work(conference);
    } catch (error) {
      this.reportError(error);
      this.errorText = error instanceof Error ? error.message : String(error);
    } finally {
      const next = new Set(this.busy);
      next.delete(key);
      this.busy = next;
    }
  }

  #mute(view: ParticipantView) {
    void this.#run(view, 'mute', (c) => c.mute(view.id, 'audio'));
  }

  #kick(view: ParticipantView) {
    if (!emit(this, 'vc-request-kick', { participant: this.#plain(view) })) return;
    void this.#run(view, 'kick', (c) => c.kick(view.id));
  }

  #setRole(view: ParticipantView, role: 'co_host' | 'participant') {
    void this.#run(view, 'role', (c) => c.setRole(view.id, role));
  }

  #renderState(on: boolean, kind: 'mic' | 'camera') {
    const t = this.text;
    const label =
      kind === 'mic'
        ? on
          ? t.participantsMicOn
          : t.participantsMicOff
        : on
          ? t.participantsCameraOn
          : t.participantsCameraOff;
    return html`<span part=${kind === 'mic' ? 'mic-state' : 'camera-state'}
      data-on=${on ? 'true' : 'false'} class=${on ? 'on' : 'off'} title=${label}>
      ${icon(on ? kind : kind === 'mic' ? 'micOff' : 'cameraOff')}
      <span class="visually-hidden">${label}</span>
    </span>`;
  }

  #renderParticipant(view: ParticipantView) {
    const t = this.text;
    // Read so that a change of one's own role or of the room re-renders the buttons.
    void this.#self.value;
    void this.#room.value;
    const allowed = this.#feature?.moderationFor(view) ?? {
      mute: false,
      kick: false,
      setRole: null,
    };
    const name = view.displayName;
    const promote = allowed.setRole === 'co_host';
    return html`<li part="participant" data-participant-id=${view.id} data-role=${view.role}
      ?local=${view.isLocal}>
      <span class="who">
        <span part="participant-name">${name}</span>
        ${view.isLocal ? html`<span class="you">${t.participantsYou}</span>` : nothing}
        <span part="participant-role">${t[ROLE_KEYS[view.role]]}</span>
      </span>
      <span class="media">
        ${this.#renderState(!view.audioMuted, 'mic')}
        ${this.#renderState(!view.videoMuted, 'camera')}
      </span>
      ${
        allowed.mute || allowed.kick || allowed.setRole
          ? html`<span class="actions">
              ${
                allowed.mute
                  ? html`<button type="button" part="mute-button"
                      aria-label=${format(t.participantsMuteLabel, { name })}
                      ?disabled=${view.audioMuted || this.busy.has(`${view.id}:mute`)}
                      @click=${() => this.#mute(view)}>${t.participantsMute}</button>`
                  : nothing
              }
              ${
                allowed.setRole
                  ? html`<button type="button" part="promote-button"
                      data-to=${allowed.setRole}
                      aria-label=${format(promote ? t.participantsPromoteLabel : t.participantsDemoteLabel, { name })}
                      ?disabled=${this.busy.has(`${view.id}:role`)}
                      @click=${() => this.#setRole(view, allowed.setRole ?? 'participant')}>
                      ${promote ? t.participantsPromote : t.participantsDemote}
                    </button>`
                  : nothing
              }
              ${
                allowed.kick
                  ? html`<button type="button" part="kick-button"
                      aria-label=${format(t.participantsKickLabel, { name })}
                      ?disabled=${this.busy.has(`${view.id}:kick`)}
                      @click=${() => this.#kick(view)}>${t.participantsKick}</button>`
                  : nothing
              }
            </span>`
          : nothing
      }
    </li>`;
  }

  protected override render() {
    const t = this.text;
    const participants = this.#participants.value;
    if (!this.conference || participants.length === 0) {
      return html`<p part="status" role="status">${t.connecting}</p>`;
    }
    const moderator = this.conference.isModerator;
    return html`
      ${
        moderator
          ? html`<vc-waiting-room
              exportparts="entries,entry,entry-name,approve-button,reject-button,approve-all-button"
              lang=${this.lang || nothing}
              theme=${this.theme || nothing}
              .strings=${this.strings}
            ></vc-waiting-room>`
          : nothing
      }
      ${this.errorText ? html`<p part="error" role="alert">${this.errorText}</p>` : nothing}
      <ul part="participants" aria-label=${format(t.participantsLabel, { count: participants.length })}>
        ${repeat(
          participants,
          (p) => p.id,
          (p) => this.#renderParticipant(p),
        )}
      </ul>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vc-participant-list': VcParticipantList;
  }
}
