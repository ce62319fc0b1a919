// Type-checked as a strict NodeNext ESM consumer of @videoconf/web-components (no skipLibCheck),
// with the DOM types a page has: the element classes, the tag map and the typed vc-* events.
import '@videoconf/web-components';
import { en, VcChat, type VcEventDetails } from '@videoconf/web-components';
import type { VcChat as VcChatAlone } from '@videoconf/web-components/vc-chat';

// `document.createElement('vc-chat')` is a VcChat (HTMLElementTagNameMap), of either entry point.
const chat: VcChat = document.createElement('vc-chat');
const alone: VcChatAlone = chat;
export const tagged: HTMLElementTagNameMap['vc-chat'] = alone;
export const isChat: boolean = document.querySelector('vc-chat') instanceof VcChat;

chat.server = 'https://meet.example.com';
chat.room = 'room';
chat.invite = 'invite-token';
chat.displayName = 'Guest';
chat.getToken = async () => 'token';
chat.strings = { send: en.send };
export const unread: number = chat.unread;

// The events are typed on every element and on the document (GlobalEventHandlersEventMap).
chat.addEventListener('vc-chat-message', (event) => {
  const content: string = event.detail.message.content;
  console.log(content);
});
document.addEventListener('vc-error', (event) => {
  const code: string = event.detail.code;
  console.log(code, event.detail.message);
});
// @ts-expect-error: the detail of vc-chat-message has no such field
chat.addEventListener('vc-chat-message', (event) => event.detail.nope);
export type Detail = VcEventDetails['vc-chat-message'];
