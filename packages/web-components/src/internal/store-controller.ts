import type { Store } from '@videoconf/client-sdk';
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Follows an SDK `Store` for a Lit element: subscribed while the element is connected, each
 * change requests an update. The store may be set later (or replaced) with `setStore`; until
 * then `value` is `initial`.
 */
export class StoreController<T> implements ReactiveController {
  #store: Store<T> | null = null;
  #stop: (() => void) | null = null;
  #connected = false;
  value: T;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly initial: T,
    store: Store<T> | null = null,
  ) {
    this.value = initial;
    host.addController(this);
    this.setStore(store);
  }

  setStore(store: Store<T> | null): void {
    if (store === this.#store) return;
    this.#unsubscribe();
    this.#store = store;
    this.value = store ? store.get() : this.initial;
    if (this.#connected) this.#subscribe();
    this.host.requestUpdate();
  }

  hostConnected(): void {
    this.#connected = true;
    this.#subscribe();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#unsubscribe();
  }

  #subscribe() {
    if (!this.#store || this.#stop) return;
    this.#stop = this.#store.subscribe((value) => {
      this.value = value;
      this.host.requestUpdate();
    });
  }

  #unsubscribe() {
    this.#stop?.();
    this.#stop = null;
  }
}
