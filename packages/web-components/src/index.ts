// `@videoconf/web-components`: defines every element of the package.
import './vc-chat/index';
import './vc-grid/index';
import './vc-participant-list/index';
import './vc-waiting-room/index';

export { conferenceContext } from './internal/context';
export { define } from './internal/define';
export type { VcEventDetails, VcEventName, VcRoomState } from './internal/events';
export { en, ru, type StringKey, type Strings } from './internal/i18n';
export { StoreController } from './internal/store-controller';
export { VcElement } from './internal/vc-element';
export { VcChat } from './vc-chat/vc-chat';
export { VcGrid } from './vc-grid/vc-grid';
export { VcParticipantList } from './vc-participant-list/vc-participant-list';
export { VcWaitingRoom } from './vc-waiting-room/vc-waiting-room';
