/**
 * The one reactive primitive of the SDK. `subscribe` calls `fn` at once with the current value
 * and after every change; it returns the function that unsubscribes. Frameworks adapt it in a
 * line: React `useSyncExternalStore(store.subscribe, store.get)`, Vue a `shallowRef` updated by
 * `subscribe`, Lit a reactive controller.
 */
export interface Store<T> {
  get(): T;
  subscribe(fn: (value: T) => void): () => void;
}

/** A store the SDK itself writes to; what it hands out is the read-only `Store` view. */
export interface WritableStore<T> extends Store<T> {
  set(value: T): void;
  update(fn: (value: T) => T): void;
  /** The read-only view, safe to hand to an application. */
  readonly readonly: Store<T>;
}

/**
 * A store holding `initial`. `set` notifies subscribers only when the value changed (`Object.is`,
 * or `equals`); a subscriber that throws does not keep the others from being called (the error
 * is rethrown asynchronously, so it still shows up).
 */
export function writable<T>(
  initial: T,
  equals: (a: T, b: T) => boolean = Object.is,
): WritableStore<T> {
  let value = initial;
  const subscribers = new Set<(value: T) => void>();
  const call = (fn: (value: T) => void) => {
    try {
      fn(value);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  };
  const get = () => value;
  const subscribe = (fn: (value: T) => void) => {
    const entry = (v: T) => fn(v);
    subscribers.add(entry);
    call(entry);
    return () => {
      subscribers.delete(entry);
    };
  };
  const set = (next: T) => {
    if (equals(value, next)) return;
    value = next;
    for (const fn of [...subscribers]) if (subscribers.has(fn)) call(fn);
  };
  return {
    get,
    subscribe,
    set,
    update: (fn) => set(fn(value)),
    readonly: { get, subscribe },
  };
}

/**
 * A store computed from others: `fn` runs again whenever one of `sources` changes. It keeps its
 * sources subscribed only while it has subscribers of its own.
 */
export function derived<S extends readonly Store<unknown>[], T>(
  sources: S,
  fn: (values: { [K in keyof S]: S[K] extends Store<infer V> ? V : never }) => T,
  equals: (a: T, b: T) => boolean = Object.is,
): Store<T> {
  type Values = { [K in keyof S]: S[K] extends Store<infer V> ? V : never };
  const compute = () => fn(sources.map((s) => s.get()) as unknown as Values);
  const inner = writable<T>(compute(), equals);
  let count = 0;
  let stops: (() => void)[] = [];
  return {
    get: () => (count > 0 ? inner.get() : compute()),
    subscribe(subscriber) {
      if (count++ === 0) {
        inner.set(compute());
        stops = sources.map((source) => source.subscribe(() => inner.set(compute())));
      }
      const stop = inner.subscribe(subscriber);
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        stop();
        if (--count === 0) {
          for (const s of stops) s();
          stops = [];
        }
      };
    },
  };
}
