// Registers <vc-participant-list> (`@videoconf/web-components/vc-participant-list`); a second
// registration is a no-op.
import { define } from '../internal/define';
import { VcParticipantList } from './vc-participant-list';

define('vc-participant-list', VcParticipantList);

export { VcParticipantList };
