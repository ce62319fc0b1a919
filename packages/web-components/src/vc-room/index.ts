// Registers <vc-room> (`@videoconf/web-components/vc-room`); a second registration is a no-op.
import { define } from '../internal/define';
import { VcRoom } from './vc-room';

define('vc-room', VcRoom);

export { VcRoom };
