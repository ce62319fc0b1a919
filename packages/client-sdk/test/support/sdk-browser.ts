// The client SDK in real Chromium: the SDK's source and test/support/sdk-page.ts bundled by
// esbuild into one script, served by the shared test browser (packages/server/test/support/
// browser.ts: Chromium with fake camera and microphone, the page server, `networkLink`).
//
//   const browser = await launchSdkBrowser(chromium!);
//   const alice = await openSdkPage(browser, { url, token });   // a MediaSession connects
//   await alice.call('setMicrophoneEnabled', false);
//   await alice.waitForEvent((e) => e.type === 'stats', { what: 'a stats report' });
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import {
  eventLog,
  launchBrowser,
  type NetworkLink,
  openTestPage,
  type TestBrowser,
} from '../../../server/test/support/browser';
import type { ConferenceArgs, ConnectArgs, SdkEvent, SdkPage } from './sdk-page';

/**
 * One ES module for a test page, from the sources (`source` condition) with every dependency
 * inside: the SDK's page here, the web components' page in that package.
 */
export async function bundleForBrowser(
  input: { entryPoints: string[] } | { stdin: { contents: string; resolveDir: string } },
): Promise<string> {
  const result = await build({
    ...('stdin' in input ? { stdin: { ...input.stdin, loader: 'ts' as const } } : input),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Bundles the in-page harness with the SDK's source (livekit-client included) for browsers. */
export const bundleSdkPage = () =>
  bundleForBrowser({ entryPoints: [fileURLToPath(new URL('./sdk-page.ts', import.meta.url))] });

/** Chromium serving the SDK's test page. */
export async function launchSdkBrowser(executablePath: string): Promise<TestBrowser> {
  const code = await bundleSdkPage();
  return launchBrowser(executablePath, {
    entry: '/sdk-page.js',
    title: 'videoconf client SDK test',
    files: { '/sdk-page.js': { code } },
  });
}

export interface SdkParticipant {
  identity: string;
  /** Every event the page reported so far, oldest first. */
  events: SdkEvent[];
  /** Calls `sdkTest[method](...args)` in the page. */
  call<M extends Exclude<keyof SdkPage, 'connect'>>(
    method: M,
    ...args: Parameters<SdkPage[M]>
  ): Promise<Awaited<ReturnType<SdkPage[M]>>>;
  waitForEvent(
    match: (event: SdkEvent) => boolean,
    options?: { since?: number; timeoutMs?: number; what?: string },
  ): Promise<SdkEvent>;
  /** The media states the page went through, oldest first. */
  states(since?: number): string[];
  close(): Promise<void>;
}

/** A page of the SDK's test bundle in its own browser context, its event log and `call`. */
async function openSdkTestPage(browser: TestBrowser) {
  const log = eventLog<SdkEvent>();
  const { page, context, pageErrors } = await openTestPage(browser, 'sdkTest', {
    sdkEvent: log.push,
  });
  const call = ((method: string, ...values: unknown[]) =>
    page.evaluate(
      ([name, rest]) =>
        (globalThis as unknown as { sdkTest: Record<string, (...a: unknown[]) => unknown> })
          .sdkTest[name]!(...rest),
      [method, values] as [string, unknown[]],
    )) as SdkParticipant['call'];
  return { log, events: log.events, page, context, pageErrors, call };
}

/** Opens a page in its own browser context and connects a `MediaSession` there. */
export async function openSdkPage(
  browser: TestBrowser,
  args: ConnectArgs & { network?: NetworkLink },
): Promise<SdkParticipant> {
  const { log, events, page, context, pageErrors, call } = await openSdkTestPage(browser);
  const { network, ...connect } = args;
  try {
    const { identity } = (await page.evaluate(
      (a) => (globalThis as unknown as { sdkTest: SdkPage }).sdkTest.connect(a),
      {
        ...connect,
        ...(network && { url: network.livekitUrl, mediaPort: network.mediaPort }),
      },
    )) as { identity: string };
    return {
      identity,
      events,
      call,
      states: (since = 0) =>
        events.flatMap((e) => (e.type === 'state' && e.at >= since ? [e.state] : [])),
      waitForEvent: (match, options) => log.waitFor(match, options, identity),
      async close() {
        await call('disconnect').catch(() => undefined);
        await context.close();
      },
    };
  } catch (error) {
    await context.close();
    const detail = pageErrors.length ? ` (page errors: ${pageErrors.join('; ')})` : '';
    throw new Error(`could not connect the SDK's media: ${(error as Error).message}${detail}`);
  }
}

export interface ConferencePage extends Omit<SdkParticipant, 'identity'> {
  /** The Conference states the page went through, oldest first. */
  conferenceStates(since?: number): string[];
}

/**
 * Opens a page in its own browser context and creates a whole Conference there (`createClient`
 * with the token, `client.conference()`, every feature setup); `call('join')` joins.
 */
export async function openConferencePage(
  browser: TestBrowser,
  args: ConferenceArgs,
): Promise<ConferencePage> {
  const { log, events, context, pageErrors, call } = await openSdkTestPage(browser);
  try {
    await call('conference', args);
  } catch (error) {
    await context.close();
    const detail = pageErrors.length ? ` (page errors: ${pageErrors.join('; ')})` : '';
    throw new Error(`could not create the conference: ${(error as Error).message}${detail}`);
  }
  const of = (type: string, since: number) =>
    events.flatMap((e) => (e.type === type && e.at >= since && 'state' in e ? [e.state] : []));
  return {
    events,
    call,
    states: (since = 0) => of('state', since),
    conferenceStates: (since = 0) => of('conference', since),
    waitForEvent: (match, options) => log.waitFor(match, options, 'the conference page'),
    async close() {
      await call('leave').catch(() => undefined);
      await context.close();
    },
  };
}
