import type { App } from '../http/types';

// Being written: see issue 3.
export async function waitingRoomRoutes(_app: App) {}
