import type { RoomEvent } from '@videoconf/protocol';
import { Redis, type RedisOptions } from 'ioredis';
import type { ControlListener, ControlMessage, EventBus, RoomListener } from '../realtime/bus';

/** Where the bus reports connection trouble and failing listeners (a pino/Fastify logger fits). */
export interface RedisBusLog {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export type RedisBusOptions = (
  | {
      /** `redis://…`: the bus opens (and closes) a publisher and a subscriber connection. */
      url: string;
      /** ioredis options for both connections, over the bus's defaults. */
      redisOptions?: RedisOptions;
    }
  | {
      /**
       * A client you own, used to publish and for `ping()`. It should fail fast while Redis is
       * unreachable (`enableOfflineQueue: false` or a `commandTimeout`), as the one of
       * `createRedisClient()` does.
       */
      client: Redis;
      /**
       * A connection you own, dedicated to subscriptions (a subscribed connection cannot
       * publish). Default: `client.duplicate()` with the bus's settings, closed by `close()`.
       */
      subscriber?: Redis;
    }
) & {
  /**
   * Prefix of the channel names. Default `videoconf:`: rooms on `videoconf:room:<roomId>`,
   * control messages on `videoconf:control`. Instances that should hear each other need the
   * same prefix; a test run can use its own.
   */
  prefix?: string;
  /** Where connection loss and failing listeners are reported. Default: nowhere. */
  log?: RedisBusLog;
};

/**
 * Settings of the connections the bus opens itself:
 * - commands wait in ioredis's offline queue only while a connection is being established
 *   (bounded by `commandTimeout`); while Redis is down, the bus refuses them up front, so a
 *   publish fails fast instead of queueing for the length of the outage;
 * - a command in flight when the connection drops fails and is never resent (no duplicate
 *   events after a reconnection);
 * - after a reconnection the bus subscribes again to its channels itself (not ioredis's
 *   `autoResubscribe`, whose subscribe has no rejection handler: a connection lost again right
 *   after `ready` made it an unhandled rejection).
 */
const BUS_CONNECTION: RedisOptions = {
  enableOfflineQueue: true,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  autoResubscribe: false,
  connectTimeout: 2000,
  commandTimeout: 1000,
  retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
};

/** Statuses in which a command is sent now or as soon as the connection is ready. */
const USABLE = new Set(['ready', 'connect', 'connecting', 'wait']);

type ChannelListener = (message: unknown, raw: string) => void;

interface Channel {
  listeners: Set<ChannelListener>;
  /** Resolves once Redis confirmed the subscription. */
  active: Promise<void>;
}

const noop = () => {};
const silentLog: RedisBusLog = { warn: noop, error: noop };

/**
 * The event bus on Redis pub/sub, for several server instances: one channel per room
 * (SUBSCRIBE, reference-counted per room, no pattern subscription) and one control channel.
 * Events are serialised once by the publisher and parsed once per instance; every listener of
 * the instance receives the same parsed event and the same `raw` JSON.
 *
 * Delivery is at most once. While Redis is unreachable, `publish` rejects at once (the change
 * is stored: chat is recovered from storage by resuming), and so does `subscribe`. When a lost
 * connection is back and the subscriptions are restored (ioredis re-subscribes on its own),
 * every control listener of this instance receives `{ type: 'bus.reconnected' }`: events
 * published meanwhile were not delivered here.
 */
export function redisBus(options: RedisBusOptions): EventBus {
  const prefix = options.prefix ?? 'videoconf:';
  const roomPrefix = `${prefix}room:`;
  const controlChannel = `${prefix}control`;
  const log = options.log ?? silentLog;

  let publisher: Redis;
  let subscriber: Redis;
  const owned: Redis[] = [];
  if ('url' in options) {
    const settings = { ...BUS_CONNECTION, ...options.redisOptions };
    publisher = new Redis(options.url, { ...settings, connectionName: 'videoconf-bus-pub' });
    subscriber = new Redis(options.url, { ...settings, connectionName: 'videoconf-bus-sub' });
    owned.push(publisher, subscriber);
  } else {
    publisher = options.client;
    if (options.subscriber) {
      subscriber = options.subscriber;
    } else {
      subscriber = options.client.duplicate({
        ...BUS_CONNECTION,
        lazyConnect: false,
        connectionName: 'videoconf-bus-sub',
      });
      owned.push(subscriber);
    }
  }

  const channels = new Map<string, Channel>();
  /** Channels we no longer want but could not unsubscribe from (the connection was down). */
  const stale = new Set<string>();
  let closed = false;

  const usable = (connection: Redis, role: string): void => {
    if (closed) throw new Error('The event bus is closed');
    if (!USABLE.has(connection.status)) {
      throw new Error(`Redis ${role} connection is ${connection.status}`);
    }
  };

  // Connection trouble: reported once per outage, not once per reconnection attempt.
  const watch = (connection: Redis, role: string) => {
    let down = false;
    const onError = (error: Error) => {
      if (down || closed) return;
      down = true;
      log.warn({ err: error, role }, 'event bus lost its Redis connection; reconnecting');
    };
    const onReady = () => {
      if (down && !closed) log.warn({ role }, 'event bus reconnected to Redis');
      down = false;
    };
    connection.on('error', onError);
    connection.on('ready', onReady);
    return () => {
      connection.off('error', onError);
      connection.off('ready', onReady);
    };
  };
  const unwatch = [watch(publisher, 'publisher'), watch(subscriber, 'subscriber')];

  const onMessage = (channelName: string, raw: string) => {
    const channel = channels.get(channelName);
    if (!channel || channel.listeners.size === 0) return;
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch (error) {
      log.warn(
        { err: error, channel: channelName },
        'event bus dropped a message that is not JSON',
      );
      return;
    }
    deliver(channel, message, raw);
  };
  subscriber.on('message', onMessage);

  const deliver = (channel: Channel, message: unknown, raw: string) => {
    for (const listener of [...channel.listeners]) {
      try {
        listener(message, raw);
      } catch (error) {
        log.error({ err: error }, 'event bus listener failed');
      }
    }
  };

  /** Unsubscribes from a channel nobody wants any more; remembered if Redis is unreachable. */
  const release = async (name: string): Promise<void> => {
    if (channels.has(name) || closed) return;
    try {
      usable(subscriber, 'subscriber');
      await subscriber.unsubscribe(name);
      stale.delete(name);
    } catch {
      if (!closed) stale.add(name);
    }
  };

  const listen = async (name: string, listener: ChannelListener): Promise<() => Promise<void>> => {
    usable(subscriber, 'subscriber');
    let channel = channels.get(name);
    if (!channel) {
      const created: Channel = {
        listeners: new Set(),
        active: subscriber.subscribe(name).then(noop),
      };
      channel = created;
      channels.set(name, created);
      stale.delete(name);
      created.active.catch(() => {
        if (channels.get(name) === created) {
          channels.delete(name);
          // Redis may have subscribed after all (e.g. a timeout): do not keep it.
          void release(name);
        }
      });
    }
    const current = channel;
    current.listeners.add(listener);
    try {
      await current.active;
    } catch (error) {
      current.listeners.delete(listener);
      throw error;
    }
    let subscribed = true;
    return async () => {
      if (!subscribed) return;
      subscribed = false;
      current.listeners.delete(listener);
      if (current.listeners.size === 0 && channels.get(name) === current) {
        channels.delete(name);
        await release(name);
      }
    };
  };

  // After a reconnection of the subscriber ioredis has re-sent SUBSCRIBE for every channel
  // of the previous connection. Drop the ones released during the outage, wait until Redis
  // answered (replies come in order: the PING answer follows the SUBSCRIBE answers), then tell
  // the control listeners that events may have been missed.
  let subscriberWasReady = subscriber.status === 'ready';
  let publisherWasReady = publisher.status === 'ready';
  /** The subscriber is connected and its subscriptions are confirmed. */
  let subscriptionsWhole = subscriberWasReady;
  const notifyReconnected = () => {
    const control = channels.get(controlChannel);
    if (!control || closed) return;
    const notice: ControlMessage = { type: 'bus.reconnected' };
    deliver(control, notice, JSON.stringify(notice));
  };
  const onSubscriberClose = () => {
    subscriptionsWhole = false;
  };
  const onSubscriberReady = async () => {
    if (!subscriberWasReady) {
      subscriberWasReady = true;
      subscriptionsWhole = true;
      return;
    }
    try {
      for (const name of [...stale]) await release(name);
      if (!subscriber.options.autoResubscribe && channels.size > 0) {
        await subscriber.subscribe(...channels.keys());
      }
      await subscriber.ping();
    } catch {
      return; // Lost again: the next `ready` repeats this.
    }
    subscriptionsWhole = true;
    notifyReconnected();
  };
  const onPublisherReady = () => {
    if (!publisherWasReady) {
      publisherWasReady = true;
      return;
    }
    // Publishes failed while the publisher was away: their events never went out. When the
    // subscriber is still catching up, its own notice follows.
    if (subscriptionsWhole && subscriber.status === 'ready') notifyReconnected();
  };
  subscriber.on('close', onSubscriberClose);
  subscriber.on('ready', onSubscriberReady);
  publisher.on('ready', onPublisherReady);

  return {
    name: 'redis',

    async publish(event: RoomEvent) {
      usable(publisher, 'publisher');
      await publisher.publish(roomPrefix + event.roomId, JSON.stringify(event));
    },

    subscribe(roomId: string, listener: RoomListener) {
      return listen(roomPrefix + roomId, (message, raw) => listener(message as RoomEvent, raw));
    },

    async publishControl(message: ControlMessage) {
      usable(publisher, 'publisher');
      await publisher.publish(controlChannel, JSON.stringify(message));
    },

    subscribeControl(listener: ControlListener) {
      return listen(controlChannel, (message) => listener(message as ControlMessage));
    },

    async ping() {
      usable(publisher, 'publisher');
      usable(subscriber, 'subscriber');
      await Promise.all([publisher.ping(), subscriber.ping()]);
    },

    async close() {
      if (closed) return;
      const names = [...channels.keys(), ...stale];
      closed = true;
      channels.clear();
      stale.clear();
      subscriber.off('message', onMessage);
      subscriber.off('ready', onSubscriberReady);
      subscriber.off('close', onSubscriberClose);
      publisher.off('ready', onPublisherReady);
      for (const stop of unwatch) stop();
      // A subscriber connection of the caller's stays theirs, without our channels.
      if (!owned.includes(subscriber) && names.length > 0 && subscriber.status === 'ready') {
        await subscriber.unsubscribe(...names).catch(noop);
      }
      await Promise.all(owned.map(quit));
    },
  };
}

/** Closes a connection: QUIT when it is up (pending replies arrive first), else at once. */
async function quit(connection: Redis): Promise<void> {
  connection.on('error', noop); // late socket errors after closing are of no interest
  if (connection.status === 'end') return;
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}
