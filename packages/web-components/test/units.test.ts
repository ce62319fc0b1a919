import { fileURLToPath } from 'node:url';
import {
  MAX_MESSAGE_LENGTH as PROTOCOL_MAX,
  messageLength as protocolLength,
} from '@videoconf/protocol';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { writable } from '../../client-sdk/src/store';
import { en, format, ru, stringsFor } from '../src/internal/i18n';
import { MAX_MESSAGE_LENGTH, messageLength } from '../src/internal/message-length';
import { StoreController } from '../src/internal/store-controller';

describe('message length', () => {
  it('counts as the server does: code points of the trimmed text', () => {
    expect(MAX_MESSAGE_LENGTH).toBe(PROTOCOL_MAX);
    for (const text of ['', '  hi  ', '👍🏽 ok', 'é\n\nx', ' \t', 'привет', '𝔘𝔫𝔦']) {
      expect(messageLength(text)).toBe(protocolLength(text));
    }
    expect(messageLength(' 😀😀 ')).toBe(2);
  });
});

describe('strings', () => {
  it('has every English key in Russian, picks by primary subtag, and takes overrides', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    expect(stringsFor('ru-RU').send).toBe('Отправить');
    expect(stringsFor('de').send).toBe('Send');
    expect(stringsFor(undefined, { send: 'Go' })).toMatchObject({ send: 'Go', cancel: 'Cancel' });
    expect(format(en.characters, { count: 3, max: 4000 })).toBe('3 of 4000 characters');
  });
});

describe('StoreController', () => {
  it('follows the store only while the host is connected, and requests an update per change', () => {
    const controllers: { hostConnected?(): void; hostDisconnected?(): void }[] = [];
    let updates = 0;
    const host = {
      addController: (c: (typeof controllers)[number]) => controllers.push(c),
      removeController: () => undefined,
      requestUpdate: () => {
        updates++;
      },
      updateComplete: Promise.resolve(true),
    };
    const store = writable(1);
    const controller = new StoreController(host, 0);
    expect(controller.value).toBe(0);
    controller.setStore(store.readonly);
    expect(controller.value).toBe(1);
    controllers[0]?.hostConnected?.();
    const before = updates;
    store.set(2);
    expect(controller.value).toBe(2);
    expect(updates).toBe(before + 1);
    controllers[0]?.hostDisconnected?.();
    store.set(3);
    expect(controller.value).toBe(2);
    expect(updates).toBe(before + 1);
  });
});

describe('bundle', () => {
  it.each(['vc-chat', 'vc-waiting-room', 'vc-room', 'vc-grid', 'vc-participant-list'])(
    'keeps TypeBox and livekit-client out of the %s bundle',
    async (element) => {
      const result = await build({
        entryPoints: [fileURLToPath(new URL(`../src/${element}/index.ts`, import.meta.url))],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        conditions: ['source'],
        splitting: true,
        outdir: 'out',
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const entry = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint)?.[1];
      const inputs = Object.keys(entry?.inputs ?? {});
      expect(inputs.some((i) => i.includes('lit-element'))).toBe(true);
      expect(inputs.some((i) => i.includes(`src/${element}/${element}.ts`))).toBe(true);
      expect(
        inputs.filter((i) => i.includes('@sinclair/typebox') || i.includes('livekit-client')),
      ).toEqual([]);
    },
  );
});
