import { describe, expect, it } from 'vitest';
import { derived, writable } from '../src/store';

describe('Store', () => {
  it('calls a subscriber at once and after every change, not after a set to the same value', () => {
    const store = writable(1);
    const seen: number[] = [];
    const stop = store.subscribe((v) => seen.push(v));
    store.set(2);
    store.set(2);
    store.update((v) => v + 1);
    stop();
    store.set(4);
    expect(seen).toEqual([1, 2, 3]);
    expect(store.get()).toBe(4);
  });

  it('keeps calling the other subscribers when one throws', async () => {
    const store = writable(0);
    const seen: number[] = [];
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      store.subscribe((v) => {
        if (v === 1) throw new Error('boom');
      });
      store.subscribe((v) => seen.push(v));
      store.set(1);
      await new Promise((r) => setTimeout(r, 0));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(seen).toEqual([0, 1]);
    expect(errors).toHaveLength(1);
  });

  it('derives from other stores, subscribed only while it has subscribers', () => {
    const a = writable(1);
    const b = writable(10);
    const sum = derived([a, b] as const, ([x, y]) => x + y);
    expect(sum.get()).toBe(11);
    const seen: number[] = [];
    const stop = sum.subscribe((v) => seen.push(v));
    a.set(2);
    b.set(20);
    stop();
    a.set(3);
    expect(seen).toEqual([11, 12, 22]);
    expect(sum.get()).toBe(23);
  });
});
