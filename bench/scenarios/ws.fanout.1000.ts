/**
 * `ws.fanout.1000`: one sender and 1000 members in one room (`chat.send` at 20 a second, so that
 * a message reaches all 1000 before the next one is sent); p99 of the delivery latency to the
 * last of them, ours (memory storage) against a bare `ws` server broadcasting the same frames,
 * in alternating windows. Minimum ratio 0.85 (baseline p99 / ours), 0 lost.
 */

import type { Scenario } from '../lib/types';
import { fanoutScenario } from '../lib/ws-bench';

export const scenario: Scenario = fanoutScenario('ws.fanout.1000', 1000, 0.85, 20, false);
