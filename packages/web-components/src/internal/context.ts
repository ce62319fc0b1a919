import { createContext } from '@lit/context';
import type { Conference } from '@videoconf/client-sdk';

/**
 * The room's `Conference`, provided by an enclosing element (`<vc-room>`) to the elements inside
 * it, which then use that connection instead of opening their own. `Symbol.for`: two copies of
 * the package on one page still share the key.
 */
export const conferenceContext = createContext<Conference | undefined>(
  Symbol.for('videoconf.conference'),
);
