// Type-checked as a strict NodeNext CommonJS consumer of @videoconf/web-components (the .d.cts).
import type { VcChat } from '@videoconf/web-components';
import type { VcChat as VcChatAlone } from '@videoconf/web-components/vc-chat';

export const same: VcChat extends VcChatAlone ? true : false = true;
export const content = (event: GlobalEventHandlersEventMap['vc-chat-message']): string =>
  event.detail.message.content;
export const script: string = require.resolve('@videoconf/web-components/videoconf.js');
