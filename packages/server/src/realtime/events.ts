import type { RoomEvent, RoomEventData, RoomEventType } from '@videoconf/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { ControlMessage, EventBus } from './bus';

/** Publishes room events; features call it once per state change, after it is stored. */
export type RoomEvents = <T extends RoomEventType>(
  roomId: string,
  type: T,
  data: RoomEventData<T>,
) => Promise<void>;

/**
 * The publisher features use. A failed publish is logged and does not fail the request: the
 * change is stored, and clients recover chat from storage by resuming with `since`.
 */
export function createRoomEvents(bus: EventBus, log: FastifyBaseLogger): RoomEvents {
  return async (roomId, type, data) => {
    const event = { type, roomId, at: new Date().toISOString(), data } as RoomEvent;
    try {
      await bus.publish(event);
    } catch (error) {
      log.error({ err: error, type, roomId }, 'room event could not be published');
    }
  };
}

/** Publishes a control message to every instance; a failure is logged, never thrown. */
export type ControlPublisher = (message: ControlMessage) => Promise<void>;

export function createControlPublisher(bus: EventBus, log: FastifyBaseLogger): ControlPublisher {
  return async (message) => {
    try {
      await bus.publishControl(message);
    } catch (error) {
      log.error({ err: error, type: message.type }, 'control message could not be published');
    }
  };
}
