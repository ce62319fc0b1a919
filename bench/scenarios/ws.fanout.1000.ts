/**
 * `ws.fanout.1000`: one sender and 1000 members in one room (`chat.send` at 40 a second: 120
 * messages a side in a window of `--quick`, 240 in a full run); p99 of the delivery latency to
 * the last of them, ours (memory storage) against a bare `ws` server broadcasting the same
 * frames, both measured in each window, their messages interleaved. Minimum ratio 0.85
 * (baseline p99 / ours), 0 lost.
 */

import type { Scenario } from '../lib/types';
import { fanoutScenario } from '../lib/ws-bench';

export const scenario: Scenario = fanoutScenario('ws.fanout.1000', 1000, 0.85, 40);
