import {
  type Conference,
  type ConferenceOptions,
  type ConnectionQuality,
  type MediaState,
  type ParticipantView,
  setupParticipants,
} from '@videoconf/client-sdk';
import { html, nothing, type PropertyValues, svg } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { format, type StringKey } from '../internal/i18n';
import { icon } from '../internal/icons';
import { mediaTrack } from '../internal/media-track';
import { StoreController } from '../internal/store-controller';
import { VcElement } from '../internal/vc-element';
import { gridStyles } from './vc-grid.styles';

/** Tiles per page unless `page-size` says otherwise. */
export const DEFAULT_PAGE_SIZE = 9;

const QUALITY_KEYS: Record<ConnectionQuality, StringKey> = {
  excellent: 'gridQualityExcellent',
  good: 'gridQualityGood',
  poor: 'gridQualityPoor',
  lost: 'gridQualityLost',
  unknown: 'gridQualityUnknown',
};
const QUALITY_BARS: Record<ConnectionQuality, number> = {
  excellent: 3,
  good: 2,
  poor: 1,
  lost: 0,
  unknown: 0,
};

/** Up to two initials of a name (code points, so an emoji or a surrogate pair stays whole). */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = (word: string | undefined) => (word ? ([...word][0] ?? '') : '');
  const picked = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0]];
  return picked.map(first).join('').toLocaleUpperCase();
}

/** Columns for `count` tiles: the smallest near-square grid that holds them. */
const columnsFor = (count: number) => Math.max(1, Math.ceil(Math.sqrt(count)));

/**
 * The room's video grid: a tile per participant (camera, or their initials when it is off), the
 * name, a muted-microphone mark, the connection quality, the active speaker outlined; a screen
 * share shown large with the others in a strip below; pages of `page-size` tiles beyond that.
 * Remote microphones and screen sound play through `<audio>` elements (never one's own).
 *
 * A building block of `<vc-room>`, which provides the conference (`@lit/context`); inside a
 * `<vc-room>` it is usable in a layout of one's own. Alone (with `server`, `room`, `token`) it
 * joins the room itself, with camera and microphone.
 *
 * @attr page-size - tiles per page (default 9); beyond them, previous and next buttons page
 * @attr server - base URL of the videoconf server (alone only)
 * @attr room - room id (alone only)
 * @attr token - a bearer access token (alone only; or set `.getToken`)
 * @attr display-name - name to show when joining (alone only)
 * @attr lang - `en` (default) or `ru`; `.strings` overrides any text
 * @attr theme - `light`, `dark` or `auto` (default)
 *
 * @event vc-error - joining alone failed (`detail.code`, `detail.message`)
 *
 * @csspart grid - the grid of tiles
 * @csspart tile - one participant's tile (`speaking` attribute while they speak, `local` for oneself)
 * @csspart screen - the tile of a screen share (also part `tile`), shown large
 * @csspart video - a tile's video
 * @csspart avatar - the initials shown when the camera is off
 * @csspart tile-name - the name on a tile (text)
 * @csspart mic-off - the muted-microphone mark
 * @csspart quality - the connection quality mark (its level in `data-quality`)
 * @csspart pagination - the page controls
 * @csspart prev-button - the previous page
 * @csspart next-button - the next page
 * @csspart page-indicator - "Page 1 of 2"
 * @csspart sound-button - shown when the browser blocked the sound until a click
 * @csspart status - connecting, or video unavailable
 *
 * @cssproperty --vc-font-family
 * @cssproperty --vc-color-bg - the element's background
 * @cssproperty --vc-color-surface - tiles without video
 * @cssproperty --vc-color-text
 * @cssproperty --vc-color-muted - status texts
 * @cssproperty --vc-color-accent - the active speaker's outline, avatars, focus rings
 * @cssproperty --vc-color-danger - the muted-microphone mark, a poor connection
 * @cssproperty --vc-radius - the tiles' corners
 * @cssproperty --vc-gap - between tiles
 * @cssproperty --vc-tile-aspect-ratio - the tiles' shape (default `16 / 9`)
 */
export class VcGrid extends VcElement {
  static override styles = [...VcElement.styles, gridStyles];

  static override properties = {
    ...VcElement.properties,
    pageSize: { type: Number, attribute: 'page-size' },
    page: { state: true },
    soundBlocked: { state: true },
  };

  /** Tiles per page (the `page-size` attribute); default 9. */
  declare pageSize: number;
  /** The page shown, from 0. */
  declare protected page: number;
  declare protected soundBlocked: boolean;

  #participants = new StoreController<ParticipantView[]>(this, []);
  #media = new StoreController<MediaState | null>(this, null);
  #blockedElements = new Set<HTMLMediaElement>();

  constructor() {
    super();
    this.pageSize = DEFAULT_PAGE_SIZE;
    this.page = 0;
    this.soundBlocked = false;
  }

  /** Alone, the grid joins with camera and microphone (the person's and the room's settings). */
  protected override conferenceOptions(): ConferenceOptions {
    return {};
  }

  protected override conferenceChanged(conference: Conference | null): void {
    this.#participants.setStore(conference ? setupParticipants(conference).participants : null);
    this.#media.setStore(conference?.media ?? null);
    this.page = 0;
  }

  get #perPage(): number {
    const size = Math.floor(Number(this.pageSize));
    return Number.isFinite(size) && size >= 1 ? size : DEFAULT_PAGE_SIZE;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // Through the CSSOM, not a `style` attribute: a page whose Content-Security-Policy has no
    // 'unsafe-inline' for styles (`style-src-attr`) blocks attributes, not `setProperty`.
    const grid = this.renderRoot.querySelector<HTMLElement>('[part="grid"]');
    const columns = grid?.dataset.columns;
    if (grid && columns && grid.style.getPropertyValue('--_columns') !== columns) {
      grid.style.setProperty('--_columns', columns);
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const pages = Math.max(1, Math.ceil(this.#participants.value.length / this.#perPage));
    if (this.page > pages - 1) this.page = pages - 1;
    if (this.page < 0) this.page = 0;
  }

  #onBlocked = (element: HTMLMediaElement) => {
    this.#blockedElements.add(element);
    this.soundBlocked = true;
  };

  #enableSound() {
    const elements = [...this.#blockedElements];
    this.#blockedElements.clear();
    this.soundBlocked = false;
    for (const element of elements) {
      element.play().catch(() => this.#onBlocked(element));
    }
  }

  #renderQuality(quality: ConnectionQuality) {
    const t = this.text;
    const label = format(t.gridQuality, { quality: t[QUALITY_KEYS[quality]] });
    const bars = QUALITY_BARS[quality];
    return html`<span part="quality" data-quality=${quality} title=${label}>
      <svg viewBox="0 0 12 10" aria-hidden="true">
        ${[0, 1, 2].map(
          (i) =>
            svg`<rect x=${i * 4} y=${6 - i * 3} width="3" height=${4 + i * 3} rx="0.5" class=${i < bars ? 'on' : 'off'} />`,
        )}
      </svg>
      <span class="visually-hidden">${label}</span>
    </span>`;
  }

  #renderTile(p: ParticipantView) {
    const t = this.text;
    const video = p.videoMuted ? null : p.videoTrack;
    const name = p.isLocal ? format(t.gridYou, { name: p.displayName }) : p.displayName;
    const classes = ['tile', p.isSpeaking ? 'speaking' : '', p.isLocal ? 'local' : '']
      .filter(Boolean)
      .join(' ');
    return html`<figure
      part="tile"
      class=${classes}
      data-participant-id=${p.id}
      ?speaking=${p.isSpeaking}
      ?local=${p.isLocal}
    >
      ${
        video
          ? html`<video
              part="video"
              class=${p.isLocal ? 'mirrored' : ''}
              autoplay
              playsinline
              muted
              .muted=${true}
              ${mediaTrack(video)}
            ></video>`
          : html`<div part="avatar" aria-hidden="true"><span>${initialsOf(p.displayName)}</span></div>`
      }
      <figcaption>
        ${
          p.audioMuted
            ? html`<span part="mic-off" role="img" aria-label=${t.gridMicOff} title=${t.gridMicOff}>
                ${icon('micOff')}
              </span>`
            : nothing
        }
        <span part="tile-name">${name}</span>
        ${p.isSpeaking ? html`<span class="visually-hidden">${t.gridSpeaking}</span>` : nothing}
        ${this.#media.value === 'unavailable' ? nothing : this.#renderQuality(p.connectionQuality)}
      </figcaption>
    </figure>`;
  }

  #renderScreen(p: ParticipantView, track: MediaStreamTrack) {
    const label = format(this.text.gridScreenOf, { name: p.displayName });
    return html`<figure part="tile screen" class="tile screen" data-participant-id=${p.id}>
      <video part="video" autoplay playsinline muted .muted=${true} ${mediaTrack(track)}></video>
      <figcaption><span part="tile-name">${label}</span></figcaption>
    </figure>`;
  }

  /** Every remote microphone and screen sound, whatever page its tile is on. */
  #renderAudio(participants: ParticipantView[]) {
    const tracks = participants.flatMap((p) =>
      p.isLocal
        ? []
        : [
            ...(p.audioTrack ? [{ key: `${p.id}:mic`, track: p.audioTrack }] : []),
            ...(p.screenAudioTrack ? [{ key: `${p.id}:screen`, track: p.screenAudioTrack }] : []),
          ],
    );
    return html`<div class="audio">
      ${repeat(
        tracks,
        (a) => a.key,
        (a) =>
          html`<audio autoplay data-key=${a.key} ${mediaTrack(a.track, this.#onBlocked)}></audio>`,
      )}
    </div>`;
  }

  #renderPagination(pages: number) {
    if (pages <= 1) return nothing;
    const t = this.text;
    return html`<nav part="pagination" aria-label=${t.gridPages}>
      <button
        type="button"
        part="prev-button"
        aria-label=${t.gridPreviousPage}
        title=${t.gridPreviousPage}
        ?disabled=${this.page === 0}
        @click=${() => {
          this.page -= 1;
        }}
      >‹</button>
      <span part="page-indicator" aria-live="polite">
        ${format(t.gridPageOf, { page: this.page + 1, pages })}
      </span>
      <button
        type="button"
        part="next-button"
        aria-label=${t.gridNextPage}
        title=${t.gridNextPage}
        ?disabled=${this.page >= pages - 1}
        @click=${() => {
          this.page += 1;
        }}
      >›</button>
    </nav>`;
  }

  protected override render() {
    const t = this.text;
    const participants = this.#participants.value;
    if (!this.conference || participants.length === 0) {
      return html`<p part="status" role="status">${t.connecting}</p>`;
    }
    const perPage = this.#perPage;
    const pages = Math.max(1, Math.ceil(participants.length / perPage));
    const shown = participants.slice(this.page * perPage, (this.page + 1) * perPage);
    // A remote share first: one's own is what one already sees.
    const sharing =
      participants.find((p) => p.screenTrack && !p.isLocal) ??
      participants.find((p) => p.screenTrack);
    const columns = columnsFor(shown.length);
    return html`
      ${
        this.#media.value === 'unavailable'
          ? html`<p part="status" role="status">${t.gridVideoUnavailable}</p>`
          : nothing
      }
      <div
        part="grid"
        role="group"
        aria-label=${t.gridLabel}
        class=${sharing ? 'grid with-screen' : 'grid'}
        data-columns=${columns}
      >
        ${sharing?.screenTrack ? this.#renderScreen(sharing, sharing.screenTrack) : nothing}
        ${repeat(
          shown,
          (p) => p.id,
          (p) => this.#renderTile(p),
        )}
      </div>
      ${this.#renderPagination(pages)}
      ${
        this.soundBlocked
          ? html`<button type="button" part="sound-button" @click=${() => this.#enableSound()}>
              ${t.gridEnableSound}
            </button>`
          : nothing
      }
      ${this.#renderAudio(participants)}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vc-grid': VcGrid;
  }
}
