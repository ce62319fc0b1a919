import { nothing } from 'lit';
import {
  AsyncDirective,
  directive,
  type ElementPart,
  type PartInfo,
  PartType,
} from 'lit/async-directive.js';

/** Called when the browser refused to start playback (autoplay without a user gesture). */
export type PlaybackBlocked = (element: HTMLMediaElement) => void;

/**
 * Plays a `MediaStreamTrack` in the `<video>` or `<audio>` it is placed on:
 * `<video ${mediaTrack(track)}>`. A new track replaces the old one; `null` empties the element;
 * when the element leaves the page the track is detached (`srcObject = null`) and attached again
 * if it comes back. `blocked` hears of a playback the browser's autoplay policy refused.
 */
class MediaTrackDirective extends AsyncDirective {
  #element: HTMLMediaElement | null = null;
  #track: MediaStreamTrack | null = null;
  #blocked: PlaybackBlocked | undefined;

  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) {
      throw new Error('mediaTrack() goes on a <video> or <audio> element');
    }
  }

  render(_track: MediaStreamTrack | null, _blocked?: PlaybackBlocked) {
    return nothing;
  }

  override update(part: ElementPart, [track, blocked]: Parameters<this['render']>) {
    this.#blocked = blocked;
    const element = part.element as HTMLMediaElement;
    if (element !== this.#element || track !== this.#track) {
      this.#element = element;
      this.#track = track;
      this.#attach();
    }
    return nothing;
  }

  #attach() {
    const element = this.#element;
    if (!element) return;
    const track = this.#track;
    element.srcObject = track ? new MediaStream([track]) : null;
    if (!track) return;
    element.play().catch((error: unknown) => {
      if ((error as DOMException)?.name === 'NotAllowedError') this.#blocked?.(element);
    });
  }

  protected override disconnected() {
    if (this.#element) this.#element.srcObject = null;
  }

  protected override reconnected() {
    this.#attach();
  }
}

export const mediaTrack = directive(MediaTrackDirective);
