// Registers <vc-waiting-room> (`@videoconf/web-components/vc-waiting-room`); a second
// registration is a no-op.
import { define } from '../internal/define';
import { VcWaitingRoom } from './vc-waiting-room';

define('vc-waiting-room', VcWaitingRoom);

export { VcWaitingRoom };
