import { ContextProvider } from '@lit/context';
import {
  type Client,
  type Conference,
  type ConferenceOptions,
  type ConferenceState,
  createPreview,
  isApiError,
  type MediaControlsFeature,
  type MediaDeviceKindName,
  type MediaState,
  type Participant,
  type PreviewDevices,
  type PreviewFeature,
  type Room,
  setupMediaControls,
  setupWaitingRoom,
  type ToggleState,
  type WaitingEntry,
  type WaitingRoomFeature,
} from '@videoconf/client-sdk';
import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { conferenceContext } from '../internal/context';
import { emit, type VcRoomState } from '../internal/events';
import { format } from '../internal/i18n';
import { StoreController } from '../internal/store-controller';
import { type ConnectionKey, VcElement } from '../internal/vc-element';
import { roomStyles } from './vc-room.styles';

const FINAL: readonly VcRoomState[] = ['left', 'kicked', 'ended', 'rejected', 'error'];
const OFF: ToggleState = { enabled: false, pending: false };
type Panel = 'chat' | 'participants' | null;

/**
 * The whole meeting: pre-join (camera preview, microphone level, device pickers, name, Join),
 * the lobby, the room (`<vc-grid>`, a control bar, side panels with `<vc-chat>` and
 * `<vc-participant-list>`), a reconnecting banner, and the end screens. It provides its
 * `Conference` to the elements inside it (`@lit/context`). It does not join on its own: the
 * person presses Join (or the page calls `join()`).
 *
 * @attr server - base URL of the videoconf server
 * @attr room - room id
 * @attr token - a bearer access token (or set `.getToken`)
 * @attr invite - an invite token, redeemed at Join with the name typed in the name field
 * @attr display-name - the name field's initial value
 * @attr lang - `en` (default) or `ru`; `.strings` overrides any text
 * @attr theme - `light`, `dark` or `auto` (default)
 * @attr state - reflected: `prejoin`, `joining`, `waiting`, `connected`, `reconnecting`, `left`,
 *   `kicked`, `ended`, `rejected` or `error`
 *
 * @event vc-state-change - `state` changed (`detail.state`)
 * @event vc-joined - this person entered the room (`detail.participant`)
 * @event vc-left - this person left
 * @event vc-waiting - this person waits in the lobby (`detail.entry`)
 * @event vc-admitted - this person was let in from the lobby (`detail.entry`)
 * @event vc-rejected - this person was turned away (`detail.entry`, its `reason`)
 * @event vc-kicked - a host removed this person
 * @event vc-ended - the meeting was ended (`detail.room`)
 * @event vc-participant-joined - someone else entered (`detail.participant`)
 * @event vc-participant-left - someone else left or was removed (`detail.participant`)
 * @event vc-request-leave - cancelable: the Leave button was pressed; `preventDefault()` stays
 * @event vc-error - something failed (`detail.code`, `detail.message`)
 *
 * @csspart prejoin - the pre-join screen
 * @csspart preview-video - the camera preview
 * @csspart preview-off - shown instead of the preview while the camera is off
 * @csspart level - the microphone level meter (`role="meter"`)
 * @csspart devices - the device pickers
 * @csspart camera-select - the camera picker
 * @csspart microphone-select - the microphone picker
 * @csspart speaker-select - the speaker picker (where the browser can choose one)
 * @csspart prejoin-mic-button - microphone on/off before joining
 * @csspart prejoin-camera-button - camera on/off before joining
 * @csspart name-input - the name field
 * @csspart join-button - joins
 * @csspart status - joining, or the media's state (e.g. video unavailable)
 * @csspart lobby - the waiting screen (with `<vc-waiting-room>`)
 * @csspart cancel-button - leaves the lobby
 * @csspart grid - forwarded from `<vc-grid>`
 * @csspart tile - forwarded from `<vc-grid>`
 * @csspart tile-name - forwarded from `<vc-grid>` (also its `screen`, `video`, `avatar`,
 *   `mic-off`, `quality`, `pagination`, `prev-button`, `next-button`, `page-indicator`,
 *   `sound-button`)
 * @csspart controls - the control bar (`role="toolbar"`)
 * @csspart mic-button - microphone on/off (`aria-pressed`)
 * @csspart camera-button - camera on/off (`aria-pressed`)
 * @csspart screen-button - screen share on/off (`aria-pressed`)
 * @csspart chat-button - opens or closes the chat panel (`aria-pressed`)
 * @csspart participants-button - opens or closes the participants panel (`aria-pressed`)
 * @csspart badge - the unread count on the chat button, the lobby count on the participants button
 * @csspart leave-button - leaves (after a cancelable `vc-request-leave`)
 * @csspart end-button - host: ends the meeting for everyone (asks first)
 * @csspart end-confirm-button - confirms ending the meeting
 * @csspart panel - the side panel
 * @csspart participants - forwarded from `<vc-participant-list>`
 * @csspart participant - forwarded from `<vc-participant-list>`
 * @csspart kick-button - forwarded from `<vc-participant-list>`
 * @csspart mute-button - forwarded from `<vc-participant-list>`
 * @csspart promote-button - forwarded from `<vc-participant-list>`
 * @csspart participant-name - forwarded from `<vc-participant-list>`
 * @csspart participant-role - forwarded from `<vc-participant-list>`
 * @csspart mic-state - forwarded from `<vc-participant-list>`
 * @csspart camera-state - forwarded from `<vc-participant-list>`
 * @csspart approve-button - forwarded from the host's `<vc-waiting-room>` (and the lobby's)
 * @csspart reject-button - forwarded from the host's `<vc-waiting-room>` (and the lobby's)
 * @csspart approve-all-button - forwarded from the host's `<vc-waiting-room>` (and the lobby's)
 * @csspart entries - forwarded from `<vc-waiting-room>`
 * @csspart entry - forwarded from `<vc-waiting-room>`
 * @csspart entry-name - forwarded from `<vc-waiting-room>`
 * @csspart edited-mark - forwarded from `<vc-chat>`
 * @csspart banner - the reconnecting banner (`role="status"`)
 * @csspart error - the last failure of an action
 * @csspart ended - the end screen (left, kicked, ended, rejected, error)
 * @csspart ended-title - its heading (focused when it shows)
 * @csspart back-button - back to the pre-join screen (after leaving or an error)
 *
 * @cssproperty --vc-font-family - the font
 * @cssproperty --vc-color-bg - the element's background
 * @cssproperty --vc-color-surface - the preview, panels, buttons
 * @cssproperty --vc-color-text - the text
 * @cssproperty --vc-color-muted - secondary text
 * @cssproperty --vc-color-accent - Join, pressed toggles, the level meter, focus rings
 * @cssproperty --vc-color-danger - Leave, End, errors
 * @cssproperty --vc-radius - corners of the preview, panels, fields and buttons
 * @cssproperty --vc-gap - spacing
 * @cssproperty --vc-tile-aspect-ratio - the preview's and the tiles' aspect ratio
 */
export class VcRoom extends VcElement {
  static override styles = [...VcElement.styles, roomStyles];

  static override properties = {
    ...VcElement.properties,
    state: { type: String, reflect: true },
    panel: { state: true },
    nameDraft: { state: true },
    nameMissing: { state: true },
    errorText: { state: true },
    confirmingEnd: { state: true },
    unread: { state: true },
    preview: { state: true },
  };

  /**
   * Where the meeting is (reflected; read it, do not set it): `prejoin`, `joining`, `waiting`,
   * `connected`, `reconnecting`, `left`, `kicked`, `ended`, `rejected` or `error`.
   */
  declare state: VcRoomState;
  declare protected panel: Panel;
  declare protected nameDraft: string;
  declare protected nameMissing: boolean;
  declare protected errorText: string;
  declare protected confirmingEnd: boolean;
  declare protected unread: number;
  /** The pre-join preview while in `prejoin` (`createPreview` of the client SDK). */
  declare protected preview: PreviewFeature | null;

  #provider = new ContextProvider(this, { context: conferenceContext });
  #stops: (() => void)[] = [];
  #previewStops: (() => void)[] = [];
  /** Bumped per pre-join, so a late settings answer of an older one is dropped. */
  #prejoinGeneration = 0;
  #joinOptions: Pick<ConferenceOptions, 'audio' | 'video' | 'speaker'> = {};
  #joinedOnce = false;
  #lastReported: unknown = null;
  /** Where focus goes after the next render (`[part=...]` in the shadow root). */
  #focusNext: string | null = null;
  #chatObserver: MutationObserver | null = null;
  #observedChat: Element | null = null;
  #shownTrack: MediaStreamTrack | null = null;
  #roomInfo: Room | null = null;

  #videoTrack = new StoreController<MediaStreamTrack | null>(this, null);
  #level = new StoreController<number>(this, 0);
  #devices = new StoreController<MediaDeviceInfo[]>(this, []);
  #selected = new StoreController<PreviewDevices>(this, {});
  #cameraOn = new StoreController<boolean>(this, false);
  #micOn = new StoreController<boolean>(this, false);
  #previewError = new StoreController<Error | null>(this, null);

  #conferenceState = new StoreController<ConferenceState>(this, 'idle');
  #media = new StoreController<MediaState>(this, 'off');
  #self = new StoreController<Participant | null>(this, null);
  #room = new StoreController<Room | null>(this, null);
  #entry = new StoreController<WaitingEntry | null>(this, null);
  #lobby = new StoreController<WaitingEntry[]>(this, []);
  #mic = new StoreController<ToggleState>(this, OFF);
  #camera = new StoreController<ToggleState>(this, OFF);
  #screen = new StoreController<ToggleState>(this, OFF);
  #controls: MediaControlsFeature | null = null;
  #waiting: WaitingRoomFeature | null = null;

  constructor() {
    super();
    this.state = 'prejoin';
    this.panel = null;
    this.nameDraft = '';
    this.nameMissing = false;
    this.errorText = '';
    this.confirmingEnd = false;
    this.unread = 0;
    this.preview = null;
  }

  protected override get joinsOnConnect(): boolean {
    return false;
  }

  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    const root = super.createRenderRoot();
    // `<vc-waiting-room>` inside announces the person's own lobby events too: the room announces
    // them itself (from its conference), once, so theirs stop at its shadow root.
    for (const name of ['vc-waiting', 'vc-admitted', 'vc-rejected'] as const) {
      root.addEventListener(name, (event) => event.stopPropagation());
    }
    return root;
  }

  /** `display-name` only fills the name field: changing it does not reconnect. */
  protected override get connectionKeys(): readonly ConnectionKey[] {
    return ['server', 'room', 'token', 'getToken', 'invite'];
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('displayName') && this.state === 'prejoin') {
      const before = changed.get('displayName') as string | undefined;
      if (!this.nameDraft || this.nameDraft === before) this.nameDraft = this.displayName ?? '';
    }
  }

  protected override conferenceOptions(): ConferenceOptions {
    return { ...this.#joinOptions };
  }

  /** Whether the person joins as a guest of the `invite` (then a name is required). */
  get #isGuest(): boolean {
    return Boolean(this.invite && !this.token && !this.getToken);
  }

  protected override reportError(error: unknown): string {
    // The conference's `error` event and the join's result may both carry the same failure.
    if (error === this.#lastReported && error !== null) {
      return isApiError(error) ? error.code : 'CLIENT_ERROR';
    }
    this.#lastReported = error;
    return super.reportError(error);
  }

  protected override clientChanged(client: Client | null): void {
    this.#setState('prejoin');
    this.#startPrejoin(client);
  }

  // --- pre-join ---

  #stopPreview() {
    this.#prejoinGeneration++;
    for (const stop of this.#previewStops.splice(0)) stop();
    this.preview?.stop();
    this.preview = null;
    for (const c of [this.#videoTrack, this.#level, this.#devices, this.#selected]) {
      (c as StoreController<unknown>).setStore(null);
    }
    for (const c of [this.#cameraOn, this.#micOn, this.#previewError]) {
      (c as StoreController<unknown>).setStore(null);
    }
  }

  async #startPrejoin(client: Client | null) {
    this.#stopPreview();
    if (!this.nameDraft && this.displayName) this.nameDraft = this.displayName;
    if (!client || !this.isConnected) return;
    const generation = this.#prejoinGeneration;
    const room = this.room;
    const signedIn = !this.#isGuest;
    // The user's settings (mute on join...), the room's settings and a name to prefill.
    const [user, roomInfo, me] = signedIn
      ? await Promise.all([
          client.users.settings().catch(() => null),
          room ? client.rooms.get(room).catch(() => null) : null,
          this.displayName || this.nameDraft ? null : client.users.me().catch(() => null),
        ])
      : [null, null, null];
    if (generation !== this.#prejoinGeneration || this.state !== 'prejoin') return;
    this.#roomInfo = roomInfo;
    if (me && !this.nameDraft) this.nameDraft = me.displayName;
    const preview = createPreview({ user, room: roomInfo?.settings ?? null });
    this.preview = preview;
    this.#videoTrack.setStore(preview.videoTrack);
    this.#level.setStore(preview.level);
    this.#devices.setStore(preview.devices);
    this.#selected.setStore(preview.selected);
    this.#cameraOn.setStore(preview.cameraEnabled);
    this.#micOn.setStore(preview.microphoneEnabled);
    this.#previewError.setStore(preview.error);
    this.#focusNext = this.#isGuest && !this.nameDraft ? 'name-input' : 'join-button';
    this.requestUpdate();
    await preview.start();
  }

  /**
   * Joins with the pre-join's choices (its tracks are stopped first: the conference opens its
   * own). A guest (`invite`) needs a name. Resolves once joined, waiting, or in a final state.
   */
  async join(): Promise<void> {
    if (this.state !== 'prejoin' || !this.client) return;
    const name = this.nameDraft.trim();
    if (this.#isGuest && !name) {
      this.nameMissing = true;
      this.#focusNext = 'name-input';
      return;
    }
    this.nameMissing = false;
    const choice = this.preview?.joinOptions();
    this.#joinOptions = choice
      ? {
          audio: choice.audio,
          video: choice.video,
          ...(choice.speakerDeviceId && { speaker: choice.speakerDeviceId }),
        }
      : {};
    this.#stopPreview();
    this.#joinedOnce = false;
    this.errorText = '';
    this.#setState('joining');
    await this.joinOwn(name || undefined);
  }

  /**
   * Leaves the room (or the lobby) at once: media disconnected, every camera and microphone
   * track ended, the realtime connection closed. (The Leave button asks the page first with the
   * cancelable `vc-request-leave`; this method does not.) In `prejoin` it stops the preview.
   */
  async leave(): Promise<void> {
    if (this.state === 'prejoin') {
      this.#stopPreview();
      return;
    }
    await this.conference?.leave();
  }

  /** Ends the meeting for everyone (host). Failures are reported with `vc-error`. */
  async end(): Promise<void> {
    this.confirmingEnd = false;
    try {
      await this.conference?.end();
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Microphone on/off: the preview's before joining, the published one in the room. */
  async toggleMic(): Promise<void> {
    await this.#toggle('microphone');
  }

  /** Camera on/off: the preview's before joining, the published one in the room. */
  async toggleCamera(): Promise<void> {
    await this.#toggle('camera');
  }

  /** Starts or stops sharing the screen (in the room). */
  async toggleScreenShare(): Promise<void> {
    await this.#toggle('screen');
  }

  async #toggle(kind: 'microphone' | 'camera' | 'screen') {
    try {
      if (this.state === 'prejoin') {
        const preview = this.preview;
        if (!preview) return;
        if (kind === 'microphone') await preview.setMicrophoneEnabled(!this.#micOn.value);
        if (kind === 'camera') await preview.setCameraEnabled(!this.#cameraOn.value);
        return;
      }
      const controls = this.#controls;
      if (!controls || !this.#mediaUsable) return;
      if (kind === 'microphone') await controls.toggleMicrophone();
      if (kind === 'camera') await controls.toggleCamera();
      if (kind === 'screen') await controls.toggleScreenShare();
      this.errorText = '';
    } catch (error) {
      // The person closing the browser's screen picker is no failure.
      if (error instanceof DOMException && error.name === 'NotAllowedError' && kind === 'screen') {
        return;
      }
      this.#fail(error);
    }
  }

  #fail(error: unknown) {
    this.reportError(error);
    this.errorText = error instanceof Error ? error.message : String(error);
  }

  async #selectDevice(kind: MediaDeviceKindName, deviceId: string) {
    try {
      await this.preview?.select(kind, deviceId);
    } catch (error) {
      this.#fail(error);
    }
  }

  // --- the conference ---

  protected override conferenceChanged(conference: Conference | null): void {
    for (const stop of this.#stops.splice(0)) stop();
    this.#waiting?.dispose();
    this.#waiting = null;
    this.#controls = conference ? setupMediaControls(conference) : null;
    this.#waiting = conference ? setupWaitingRoom(conference) : null;
    this.#provider.setValue(conference ?? undefined);
    this.#media.setStore(conference?.media ?? null);
    this.#self.setStore(conference?.self ?? null);
    this.#room.setStore(conference?.room ?? null);
    this.#entry.setStore(conference?.entry ?? null);
    this.#lobby.setStore(this.#waiting?.entries ?? null);
    this.#mic.setStore(this.#controls?.microphone ?? null);
    this.#camera.setStore(this.#controls?.camera ?? null);
    this.#screen.setStore(this.#controls?.screenShare ?? null);
    this.#conferenceState.setStore(conference?.state ?? null);
    this.panel = null;
    this.unread = 0;
    this.confirmingEnd = false;
    if (!conference) return;
    this.#stops.push(
      conference.state.subscribe((state) => this.#conferenceStateChanged(conference, state)),
      conference.on('participantJoined', (participant) => {
        if (!this.#isSelf(conference, participant)) {
          emit(this, 'vc-participant-joined', { participant });
        }
      }),
      conference.on('participantLeft', (participant) => {
        if (!this.#isSelf(conference, participant)) {
          emit(this, 'vc-participant-left', { participant });
        }
      }),
      conference.on('error', (error) => this.reportError(error)),
    );
  }

  /** This person (also while being admitted from the lobby, before `self` is known). */
  #isSelf(conference: Conference, participant: Participant): boolean {
    const me = conference.self.get()?.userId ?? conference.entry.get()?.userId;
    return participant.userId === me;
  }

  #conferenceStateChanged(conference: Conference, next: ConferenceState) {
    // `idle`: made for the Join and about to run it.
    const state: VcRoomState = next === 'idle' ? 'joining' : next;
    const previous = this.state;
    if (state === previous) return;
    if (previous === 'waiting' && (state === 'joining' || state === 'connected')) {
      const entry = conference.entry.get();
      this.#setState(state);
      if (entry) emit(this, 'vc-admitted', { entry });
    } else {
      this.#setState(state);
    }
    switch (state) {
      case 'connected': {
        const participant = conference.self.get();
        if (!this.#joinedOnce && participant) {
          this.#joinedOnce = true;
          this.#focusNext = 'controls';
          emit(this, 'vc-joined', { participant });
        }
        break;
      }
      case 'waiting': {
        const entry = conference.entry.get();
        if (entry) emit(this, 'vc-waiting', { entry });
        break;
      }
      case 'rejected': {
        const entry = conference.entry.get();
        if (entry) emit(this, 'vc-rejected', { entry });
        break;
      }
      case 'kicked':
        emit(this, 'vc-kicked', { reason: null });
        break;
      case 'ended':
        emit(this, 'vc-ended', { room: conference.room.get() });
        break;
      case 'left':
        emit(this, 'vc-left', {});
        break;
    }
    if (FINAL.includes(state)) this.#focusNext = 'ended-title';
  }

  #setState(state: VcRoomState) {
    if (this.state === state) return;
    this.state = state;
    emit(this, 'vc-state-change', { state });
  }

  /** Back to the pre-join screen after leaving or a failure. */
  #back() {
    this.dropOwn();
    this.#setState('prejoin');
    void this.#startPrejoin(this.client);
  }

  #requestLeave = () => {
    if (emit(this, 'vc-request-leave', {})) void this.leave();
  };

  get #mediaUsable(): boolean {
    const media = this.#media.value;
    return media === 'connected' || media === 'reconnecting';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stopPreview();
    this.#chatObserver?.disconnect();
    this.#chatObserver = null;
    this.#observedChat = null;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const video = this.renderRoot.querySelector<HTMLVideoElement>('[part="preview-video"]');
    const track = this.#videoTrack.value;
    if (video && (track !== this.#shownTrack || !video.srcObject)) {
      video.srcObject = track ? new MediaStream([track]) : null;
      this.#shownTrack = track;
    }
    if (!video) this.#shownTrack = null;
    // Through the CSSOM, not a style attribute: a page's strict CSP (no 'unsafe-inline'
    // styles) keeps the meter moving.
    const bar = this.renderRoot.querySelector<HTMLElement>('.level-bar');
    bar?.style.setProperty('width', `${Math.round(this.#level.value * 100)}%`);
    this.#watchChat();
    if (this.#focusNext) {
      const target =
        this.#focusNext === 'controls'
          ? this.renderRoot.querySelector<HTMLElement>('[part="controls"] button:not([disabled])')
          : this.renderRoot.querySelector<HTMLElement>(`[part="${this.#focusNext}"]`);
      if (target) {
        this.#focusNext = null;
        target.focus();
      }
    }
  }

  /** Follows `<vc-chat>`'s `unread` attribute for the chat button's badge. */
  #watchChat() {
    const chat = this.renderRoot.querySelector('vc-chat');
    if (chat === this.#observedChat) return;
    this.#chatObserver?.disconnect();
    this.#observedChat = chat;
    this.unread = 0;
    if (!chat) return;
    this.#chatObserver ??= new MutationObserver(() => {
      this.unread = Number(this.#observedChat?.getAttribute('unread') ?? 0) || 0;
    });
    this.#chatObserver.observe(chat, { attributes: true, attributeFilter: ['unread'] });
  }

  // --- rendering ---

  protected override render(): TemplateResult {
    const state = this.state;
    if (state === 'prejoin') return this.#renderPrejoin();
    if (FINAL.includes(state)) return this.#renderEnded();
    if (state === 'waiting') return this.#renderLobby();
    if (state === 'joining' && !this.#joinedOnce) {
      return html`<div class="center">
        <p part="status" role="status">${this.text.roomJoining}</p>
      </div>`;
    }
    return this.#renderRoom();
  }

  #renderPrejoin(): TemplateResult {
    const t = this.text;
    const preview = this.preview;
    const track = this.#videoTrack.value;
    const level = Math.round(this.#level.value * 100);
    const error = this.#previewError.value;
    const canJoin = Boolean(this.client);
    const title = this.#roomInfo?.title;
    return html`<section part="prejoin" aria-labelledby="prejoin-title">
      <h2 id="prejoin-title">${title ?? t.roomPrejoinTitle}</h2>
      ${title ? html`<p class="muted">${t.roomPrejoinTitle}</p>` : nothing}
      <div class="prejoin-body">
        <div class="preview">
          ${
            track
              ? html`<video
                part="preview-video"
                autoplay
                muted
                playsinline
                aria-label=${t.roomPreviewLabel}
              ></video>`
              : html`<div part="preview-off">${t.roomCameraOff}</div>`
          }
          <div class="preview-toggles">
            ${this.#toggleButton('prejoin-mic-button', t.roomMic, this.#micOn.value, !preview, () =>
              this.toggleMic(),
            )}
            ${this.#toggleButton(
              'prejoin-camera-button',
              t.roomCam,
              this.#cameraOn.value,
              !preview,
              () => this.toggleCamera(),
            )}
          </div>
        </div>
        <form class="side" novalidate @submit=${this.#onSubmit}>
          <div class="meter-row">
            <span id="level-label">${t.roomLevel}</span>
            <div
              part="level"
              role="meter"
              aria-labelledby="level-label"
              aria-valuemin="0"
              aria-valuemax="100"
              aria-valuenow=${level}
            >
              <div class="level-bar"></div>
            </div>
          </div>
          <div part="devices">
            ${this.#deviceSelect('videoinput', 'camera-select', t.roomCamera)}
            ${this.#deviceSelect('audioinput', 'microphone-select', t.roomMicrophone)}
            ${
              preview?.speakerSelectable
                ? this.#deviceSelect('audiooutput', 'speaker-select', t.roomSpeaker)
                : nothing
            }
          </div>
          ${
            error
              ? html`<p part="error" role="alert">
                ${format(t.roomDeviceError, { message: error.message })}
              </p>`
              : nothing
          }
          <label class="field">
            <span>${t.roomNameLabel}</span>
            <input
              part="name-input"
              autocomplete="name"
              maxlength="100"
              .value=${this.nameDraft}
              ?required=${this.#isGuest}
              aria-invalid=${this.nameMissing ? 'true' : 'false'}
              aria-describedby="name-error"
              @input=${this.#onName}
            />
          </label>
          <p id="name-error" part="error" ?hidden=${!this.nameMissing} role="alert">
            ${this.nameMissing ? t.roomNameRequired : ''}
          </p>
          ${canJoin ? nothing : html`<p part="status">${t.roomNotConfigured}</p>`}
          <button part="join-button" class="primary" type="submit" ?disabled=${!canJoin}>
            ${t.roomJoin}
          </button>
        </form>
      </div>
    </section>`;
  }

  #onSubmit = (event: Event) => {
    event.preventDefault();
    void this.join();
  };

  #onName = (event: Event) => {
    this.nameDraft = (event.target as HTMLInputElement).value;
    if (this.nameDraft.trim()) this.nameMissing = false;
  };

  #deviceSelect(kind: MediaDeviceKindName, part: string, label: string) {
    const devices = this.#devices.value.filter((d) => d.kind === kind && d.deviceId);
    const chosen = this.#selected.value[kind] ?? '';
    const id = `select-${kind}`;
    return html`<label class="field" for=${id}>
      <span>${label}</span>
      <select
        id=${id}
        part=${part}
        ?disabled=${!this.preview}
        @change=${(e: Event) => this.#selectDevice(kind, (e.target as HTMLSelectElement).value)}
      >
        <option value="" ?selected=${chosen === ''}>${this.text.roomDefaultDevice}</option>
        ${devices
          .filter((d) => d.deviceId !== 'default')
          .map(
            (d, i) =>
              html`<option value=${d.deviceId} ?selected=${d.deviceId === chosen}>
                ${d.label || format(this.text.roomDevice, { n: i + 1 })}
              </option>`,
          )}
      </select>
    </label>`;
  }

  #toggleButton(
    part: string,
    label: string,
    on: boolean,
    disabled: boolean,
    action: () => unknown,
    describedBy?: string,
  ) {
    return html`<button
      type="button"
      part=${part}
      class="toggle"
      aria-pressed=${on ? 'true' : 'false'}
      ?disabled=${disabled}
      aria-describedby=${describedBy ?? nothing}
      @click=${action}
    >
      <span class="dot" aria-hidden="true"></span>${label}
    </button>`;
  }

  #renderLobby(): TemplateResult {
    const t = this.text;
    return html`<section part="lobby" aria-labelledby="lobby-title">
      <h2 id="lobby-title">${this.#roomInfo?.title ?? t.roomWaiting}</h2>
      <vc-waiting-room
        exportparts="status,entries,entry,entry-name,approve-button,reject-button,approve-all-button,empty"
        lang=${this.lang ?? nothing}
        theme=${this.theme ?? nothing}
      ></vc-waiting-room>
      <button part="cancel-button" type="button" @click=${() => void this.leave()}>
        ${t.roomCancel}
      </button>
    </section>`;
  }

  #mediaNotice(): string {
    const t = this.text;
    const media = this.#media.value;
    if (media === 'unavailable') return t.roomMediaUnavailable;
    if (media === 'connecting') return t.roomMediaConnecting;
    if (media === 'off') return t.roomMediaOff;
    return '';
  }

  #renderRoom(): TemplateResult {
    const t = this.text;
    const reconnecting = this.state === 'reconnecting';
    const usable = this.#mediaUsable;
    const notice = this.#mediaNotice();
    const self = this.#self.value;
    const isHost = self?.role === 'host';
    const lobbyCount = this.#lobby.value.length;
    const chatEnabled = this.#room.value?.settings.chatEnabled !== false;
    const canShare =
      typeof navigator !== 'undefined' && Boolean(navigator.mediaDevices?.getDisplayMedia);
    const describedBy = notice ? 'media-notice' : undefined;
    const panel = this.panel;
    return html`<div class="room">
      ${reconnecting ? html`<div part="banner" role="status">${t.roomReconnecting}</div>` : nothing}
      ${
        notice
          ? html`<p
            part="status"
            id="media-notice"
            class=${this.#media.value === 'unavailable' ? 'visually-hidden' : ''}
          >
            ${notice}
          </p>`
          : nothing
      }
      <div class="main">
        <div class="stage">
          <vc-grid
            exportparts="grid,tile,tile-name,screen,video,avatar,mic-off,quality,pagination,prev-button,next-button,page-indicator,sound-button"
            lang=${this.lang ?? nothing}
            theme=${this.theme ?? nothing}
            .strings=${this.strings}
          ></vc-grid>
        </div>
        <aside
          part="panel"
          ?hidden=${panel === null}
          @keydown=${this.#onPanelKey}
          aria-label=${panel === 'participants' ? t.roomParticipants : t.roomChat}
        >
          <div class="panel-head">
            <h2>${panel === 'participants' ? t.roomParticipants : t.roomChat}</h2>
            <button
              type="button"
              class="close"
              aria-label=${t.roomClose}
              @click=${() => this.#setPanel(null)}
            >
              ×
            </button>
          </div>
          ${
            chatEnabled
              ? html`<div class="panel-body" ?hidden=${panel !== 'chat'}>
                <vc-chat
                  exportparts="messages,message,message-author,message-content,message-time,edited-mark,edit-button,delete-button,composer,composer-input,send-button,empty"
                  lang=${this.lang ?? nothing}
                  theme=${this.theme ?? nothing}
                  .strings=${this.strings}
                ></vc-chat>
              </div>`
              : nothing
          }
          <div class="panel-body" ?hidden=${panel !== 'participants'}>
            <vc-participant-list
              exportparts="participants,participant,participant-name,participant-role,mic-state,camera-state,kick-button,mute-button,promote-button,entries,entry,entry-name,approve-button,reject-button,approve-all-button"
              lang=${this.lang ?? nothing}
              theme=${this.theme ?? nothing}
            ></vc-participant-list>
          </div>
        </aside>
      </div>
      ${this.errorText ? html`<p part="error" role="alert">${this.errorText}</p>` : nothing}
      <div part="controls" role="toolbar" aria-label=${t.roomControls}>
        ${this.#toggleButton(
          'mic-button',
          t.roomMic,
          this.#mic.value.enabled,
          !usable || this.#mic.value.pending,
          () => this.toggleMic(),
          describedBy,
        )}
        ${this.#toggleButton(
          'camera-button',
          t.roomCam,
          this.#camera.value.enabled,
          !usable || this.#camera.value.pending,
          () => this.toggleCamera(),
          describedBy,
        )}
        ${
          canShare
            ? this.#toggleButton(
                'screen-button',
                t.roomScreen,
                this.#screen.value.enabled,
                !usable || this.#screen.value.pending,
                () => this.toggleScreenShare(),
                describedBy,
              )
            : nothing
        }
        ${
          chatEnabled
            ? html`<button
              type="button"
              part="chat-button"
              class="toggle"
              aria-pressed=${panel === 'chat' ? 'true' : 'false'}
              @click=${() => this.#setPanel(panel === 'chat' ? null : 'chat')}
            >
              ${t.roomChat}${
                this.unread > 0
                  ? html`<span part="badge" aria-label=${format(t.roomUnread, { count: this.unread })}
                      >${this.unread}</span
                    >`
                  : nothing
              }
            </button>`
            : nothing
        }
        <button
          type="button"
          part="participants-button"
          class="toggle"
          aria-pressed=${panel === 'participants' ? 'true' : 'false'}
          @click=${() => this.#setPanel(panel === 'participants' ? null : 'participants')}
        >
          ${t.roomParticipants}${
            lobbyCount > 0
              ? html`<span part="badge" aria-label=${format(t.roomLobbyCount, { count: lobbyCount })}
                  >${lobbyCount}</span
                >`
              : nothing
          }
        </button>
        <span class="spacer"></span>
        ${
          isHost
            ? this.confirmingEnd
              ? html`<span class="confirm" role="group" aria-label=${t.roomEndConfirm}>
                  <span>${t.roomEndConfirm}</span>
                  <button
                    type="button"
                    part="end-confirm-button"
                    class="danger"
                    @click=${() => void this.end()}
                  >
                    ${t.roomEndYes}
                  </button>
                  <button type="button" @click=${() => (this.confirmingEnd = false)}>
                    ${t.roomCancel}
                  </button>
                </span>`
              : html`<button
                  type="button"
                  part="end-button"
                  @click=${() => {
                    this.confirmingEnd = true;
                    this.#focusNext = 'end-confirm-button';
                  }}
                >
                  ${t.roomEnd}
                </button>`
            : nothing
        }
        <button type="button" part="leave-button" class="danger" @click=${this.#requestLeave}>
          ${t.roomLeave}
        </button>
      </div>
    </div>`;
  }

  /** Opens a side panel (or closes it: focus goes back to the button that opened it). */
  #setPanel(panel: Panel) {
    const closing = this.panel;
    this.panel = panel;
    if (panel === null && closing) {
      this.#focusNext = closing === 'chat' ? 'chat-button' : 'participants-button';
    }
  }

  /** Escape in a side panel closes it. */
  #onPanelKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && this.panel && !event.defaultPrevented) {
      event.preventDefault();
      this.#setPanel(null);
    }
  };

  #renderEnded(): TemplateResult {
    const t = this.text;
    const state = this.state;
    let title: string = t.roomErrorTitle;
    let detail = '';
    if (state === 'left') title = t.roomLeftTitle;
    else if (state === 'kicked') title = t.roomKickedTitle;
    else if (state === 'ended') title = t.roomEndedTitle;
    else if (state === 'rejected') {
      title = t.roomRejectedTitle;
      const reason = this.#entry.value?.reason;
      if (reason) detail = format(t.roomRejectedReason, { reason });
    } else {
      detail = this.conference?.error?.message ?? '';
    }
    const back = state === 'left' || state === 'error';
    return html`<section part="ended" aria-labelledby="ended-title">
      <h2 id="ended-title" part="ended-title" tabindex="-1">${title}</h2>
      ${detail ? html`<p>${detail}</p>` : nothing}
      ${
        back
          ? html`<button part="back-button" type="button" class="primary" @click=${() => this.#back()}>
            ${state === 'left' ? t.roomRejoin : t.roomBack}
          </button>`
          : nothing
      }
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vc-room': VcRoom;
  }
}
