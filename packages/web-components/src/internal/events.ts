import type {
  ChatMessage,
  ConferenceState,
  Participant,
  Room,
  WaitingEntry,
} from '@videoconf/client-sdk';

/** The states of `<vc-room>` (its `state` attribute): `prejoin`, then the `Conference`'s. */
export type VcRoomState = 'prejoin' | Exclude<ConferenceState, 'idle'>;

/** The `detail` of each `vc-*` event the elements dispatch (all `bubbles` and `composed`). */
export interface VcEventDetails {
  /** This person entered the room (after the lobby, if any). */
  'vc-joined': { participant: Participant };
  /** This person left the room (their own choice). */
  'vc-left': Record<string, never>;
  /** This person knocked and waits in the lobby. */
  'vc-waiting': { entry: WaitingEntry };
  /** A lobby entry was admitted (this person's own, or one a host admitted). */
  'vc-admitted': { entry: WaitingEntry };
  /** A lobby entry was rejected (this person's own, or one a host rejected). */
  'vc-rejected': { entry: WaitingEntry };
  /** A host removed this person from the room. */
  'vc-kicked': { reason: string | null };
  /** The room was ended (by a host, or on the server). */
  'vc-ended': { room: Room | null };
  /** Something failed: `code` is the server's error code (docs/errors.md) or `CLIENT_ERROR`. */
  'vc-error': { code: string; message: string };
  /** A new chat message arrived, one's own included. */
  'vc-chat-message': { message: ChatMessage };
  /** Someone else entered the room. */
  'vc-participant-joined': { participant: Participant };
  /** Someone else left the room (or was removed). */
  'vc-participant-left': { participant: Participant };
  /** `<vc-room>` changed state. */
  'vc-state-change': { state: VcRoomState };
  /** Cancelable: the user asked to leave; `preventDefault()` keeps them in the room. */
  'vc-request-leave': Record<string, never>;
  /** Cancelable: a host asked to remove `participant`; `preventDefault()` stops it. */
  'vc-request-kick': { participant: Participant };
}

export type VcEventName = keyof VcEventDetails;

/** The events whose default action `preventDefault()` stops. */
export const CANCELABLE_EVENTS: readonly VcEventName[] = ['vc-request-leave', 'vc-request-kick'];

/**
 * Dispatches a `vc-*` CustomEvent from `target`: `bubbles` and `composed`, `detail` typed,
 * cancelable for the `vc-request-*` ones. Returns `false` when a listener called
 * `preventDefault()` (the caller then does not act).
 */
export function emit<K extends VcEventName>(
  target: EventTarget,
  name: K,
  detail: VcEventDetails[K],
): boolean {
  const event = new CustomEvent(name, {
    bubbles: true,
    composed: true,
    cancelable: CANCELABLE_EVENTS.includes(name),
    detail,
  });
  return target.dispatchEvent(event);
}

declare global {
  interface GlobalEventHandlersEventMap {
    'vc-joined': CustomEvent<VcEventDetails['vc-joined']>;
    'vc-left': CustomEvent<VcEventDetails['vc-left']>;
    'vc-waiting': CustomEvent<VcEventDetails['vc-waiting']>;
    'vc-admitted': CustomEvent<VcEventDetails['vc-admitted']>;
    'vc-rejected': CustomEvent<VcEventDetails['vc-rejected']>;
    'vc-kicked': CustomEvent<VcEventDetails['vc-kicked']>;
    'vc-ended': CustomEvent<VcEventDetails['vc-ended']>;
    'vc-error': CustomEvent<VcEventDetails['vc-error']>;
    'vc-chat-message': CustomEvent<VcEventDetails['vc-chat-message']>;
    'vc-participant-joined': CustomEvent<VcEventDetails['vc-participant-joined']>;
    'vc-participant-left': CustomEvent<VcEventDetails['vc-participant-left']>;
    'vc-state-change': CustomEvent<VcEventDetails['vc-state-change']>;
    'vc-request-leave': CustomEvent<VcEventDetails['vc-request-leave']>;
    'vc-request-kick': CustomEvent<VcEventDetails['vc-request-kick']>;
  }
}
