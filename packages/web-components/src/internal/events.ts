import type { ChatMessage } from '@videoconf/client-sdk';

/** The `detail` of each `vc-*` event the elements dispatch. */
export interface VcEventDetails {
  'vc-chat-message': { message: ChatMessage };
  'vc-error': { code: string; message: string };
}

export type VcEventName = keyof VcEventDetails;

/** Dispatches a `vc-*` CustomEvent from `target`: `bubbles` and `composed`, `detail` typed. */
export function emit<K extends VcEventName>(
  target: EventTarget,
  name: K,
  detail: VcEventDetails[K],
  options: { cancelable?: boolean } = {},
): boolean {
  const event = new CustomEvent(name, {
    bubbles: true,
    composed: true,
    cancelable: options.cancelable ?? false,
    detail,
  });
  return target.dispatchEvent(event);
}

declare global {
  interface GlobalEventHandlersEventMap {
    'vc-chat-message': CustomEvent<VcEventDetails['vc-chat-message']>;
    'vc-error': CustomEvent<VcEventDetails['vc-error']>;
  }
}
