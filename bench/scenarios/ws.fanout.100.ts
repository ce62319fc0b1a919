/**
 * `ws.fanout.100`: one sender and 100 members in one room (`chat.send` at 300 a second: 900
 * messages a side in a window of `--quick`, 1800 in a full run); p99 of the delivery latency to
 * the last of the 100, ours (memory storage) against a bare `ws` server broadcasting the same
 * frames, both measured in each window, their messages interleaved. Minimum ratio 0.85
 * (baseline p99 / ours), 0 lost.
 */

import type { Scenario } from '../lib/types';
import { fanoutScenario } from '../lib/ws-bench';

export const scenario: Scenario = fanoutScenario('ws.fanout.100', 100, 0.85, 300);
