// `createPreview` in real Chromium with its fake camera and microphone (a moving test pattern and
// a beep): the tracks it opens, the level it measures, the devices it lists, the settings it
// honours (on/off to begin with), device choice, on/off, `joinOptions()` and `stop()`.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumBinary,
  launchBrowser,
  openTestPage,
  type TestBrowser,
  waitUntil,
} from '../../server/test/support/browser';
import { bundleForBrowser } from './support/sdk-browser';

const chromium = chromiumBinary();

/** The page: `createPreview` from the SDK's source, and a reader of a preview's stores. */
const entry = `
import { createPreview } from '../../src/index';
globalThis.createPreview = createPreview;
globalThis.readPreview = (p) => ({
  video: p.videoTrack.get()?.readyState ?? null,
  audio: p.audioTrack.get()?.readyState ?? null,
  videoDevice: p.videoTrack.get()?.getSettings().deviceId ?? null,
  level: p.level.get(),
  camera: p.cameraEnabled.get(),
  microphone: p.microphoneEnabled.get(),
  devices: p.devices.get().map((d) => ({ kind: d.kind, id: d.deviceId, label: d.label })),
  error: p.error.get()?.message ?? null,
  join: p.joinOptions(),
});
globalThis.previewReady = true;
`;

interface Read {
  video: string | null;
  audio: string | null;
  videoDevice: string | null;
  level: number;
  camera: boolean;
  microphone: boolean;
  devices: { kind: string; id: string; label: string }[];
  error: string | null;
  join: { audio: boolean | string; video: boolean | string; speakerDeviceId?: string };
}

describe.skipIf(!chromium)('createPreview in Chromium', () => {
  let browser: TestBrowser;

  beforeAll(async () => {
    const code = await bundleForBrowser({
      stdin: { contents: entry, resolveDir: fileURLToPath(new URL('./support/', import.meta.url)) },
    });
    browser = await launchBrowser(chromium!, {
      entry: '/preview.js',
      files: { '/preview.js': { code } },
    });
  }, 60_000);
  afterAll(() => browser?.close());

  const open = async (options: object) => {
    const { page, context, pageErrors } = await openTestPage(browser, 'previewReady');
    await page.evaluate(async (options) => {
      const w = globalThis as unknown as {
        createPreview: (o: object) => { start(): Promise<void> };
        preview: unknown;
        tracks: MediaStreamTrack[];
      };
      // Every track the page gets, for the check that `stop()` ends them all.
      w.tracks = [];
      const media = navigator.mediaDevices;
      const getUserMedia = media.getUserMedia.bind(media);
      media.getUserMedia = async (c) => {
        const stream = await getUserMedia(c);
        w.tracks.push(...stream.getTracks());
        return stream;
      };
      const preview = w.createPreview(options);
      w.preview = preview;
      await preview.start();
    }, options);
    const read = () =>
      page.evaluate(() => {
        const w = globalThis as unknown as { readPreview(p: unknown): Read; preview: unknown };
        return w.readPreview(w.preview);
      });
    /** Calls `preview[method](...args)` in the page. */
    const call = (method: string, ...args: unknown[]) =>
      page.evaluate(
        async ({ method, args }) => {
          const preview = (
            globalThis as unknown as { preview: Record<string, (...args: unknown[]) => unknown> }
          ).preview;
          await preview[method]!(...args);
        },
        { method, args },
      );
    const tracks = () =>
      page.evaluate(() =>
        (globalThis as unknown as { tracks: MediaStreamTrack[] }).tracks.map(
          (t) => `${t.kind}:${t.readyState}`,
        ),
      );
    return { page, pageErrors, read, call, tracks, close: () => context.close() };
  };

  it('opens the camera and microphone, measures the level, lists devices, switches, stops every track', async () => {
    const p = await open({});
    try {
      let state = await p.read();
      expect(state).toMatchObject({ video: 'live', audio: 'live', camera: true, microphone: true });
      expect(state.join).toEqual({ audio: true, video: true });
      // Labels are there: the devices were listed after permission.
      const cameras = state.devices.filter((d) => d.kind === 'videoinput');
      expect(cameras.length).toBeGreaterThan(0);
      expect(cameras.every((d) => d.label !== '')).toBe(true);
      expect(state.devices.some((d) => d.kind === 'audioinput')).toBe(true);
      // The beep moves the level.
      const levels = new Set<number>();
      await waitUntil(
        async () => {
          levels.add((await p.read()).level);
          return levels;
        },
        (l) => [...l].filter((x) => x > 0).length >= 2,
        'the level moving',
      );

      // Choosing a camera re-opens it with that device; joinOptions carries the id.
      const camera = cameras.at(-1)!.id;
      await p.call('select', 'videoinput', camera);
      state = await p.read();
      expect(state.videoDevice).toBe(camera);
      expect(state.join.video).toBe(camera);
      expect((await p.tracks()).filter((t) => t === 'video:live')).toHaveLength(1);

      // Off: the track ends (camera light out), and the join asks for no camera.
      await p.call('setCameraEnabled', false);
      await p.call('setMicrophoneEnabled', false);
      state = await p.read();
      expect(state).toMatchObject({ video: null, audio: null, level: 0 });
      expect(state.join).toEqual({ audio: false, video: false });
      // On again: the chosen camera is kept.
      await p.call('setMicrophoneEnabled', true);
      await p.call('setCameraEnabled', true);
      state = await p.read();
      expect(state).toMatchObject({ audio: 'live', video: 'live', videoDevice: camera });
      expect(state.join).toEqual({ audio: true, video: camera });

      await p.call('stop');
      state = await p.read();
      expect(state).toMatchObject({ video: null, audio: null, level: 0 });
      const all = await p.tracks();
      expect(all.length).toBeGreaterThanOrEqual(4);
      expect(all.every((t) => t.endsWith(':ended'))).toBe(true);
      expect(p.pageErrors).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('starts as the settings say: the user mutes on join, the room turns cameras off', async () => {
    const p = await open({
      user: { muteMicOnJoin: true, disableCameraOnJoin: false },
      room: { muteOnJoin: false, cameraOffOnJoin: true },
    });
    try {
      const state = await p.read();
      expect(state).toMatchObject({ video: null, audio: null, camera: false, microphone: false });
      expect(state.join).toEqual({ audio: false, video: false });
      // Nothing was opened.
      expect(await p.tracks()).toEqual([]);
      // The caller's explicit choice wins over the user's own setting (not over the room's).
      const q = await open({ audio: true, user: { muteMicOnJoin: true } });
      try {
        expect(await q.read()).toMatchObject({ audio: 'live', microphone: true });
      } finally {
        await q.call('stop');
        expect((await q.tracks()).every((t) => t.endsWith(':ended'))).toBe(true);
        await q.close();
      }
    } finally {
      await p.close();
    }
  });
});
