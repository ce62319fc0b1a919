// Registers <vc-chat> (`@videoconf/web-components/vc-chat`); a second registration is a no-op.
import { define } from '../internal/define';
import { VcChat } from './vc-chat';

define('vc-chat', VcChat);

export { VcChat };
