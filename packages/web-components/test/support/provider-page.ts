// The in-page half of tests of elements that take their Conference from an enclosing provider
// (what `<vc-room>` does): the package's source, a client and a Conference made with the SDK,
// joined, and the elements placed in a `<div>` that provides it through `conferenceContext`.
// Exposes `globalThis.providerTest` for `page.evaluate`; bundled by launchProviderBrowser.
import { ContextProvider } from '@lit/context';
import { type Conference, createClient, setupParticipants } from '@videoconf/client-sdk';
import '../../src/index';
import { conferenceContext } from '../../src/internal/context';

export interface ProvidedArgs {
  server: string;
  token: string;
  roomId: string;
  /** Elements to place inside the provider once joined: tag name and attributes. */
  elements: { tag: string; attributes?: Record<string, string>; style?: string }[];
  /** Styles of the providing `<div>`. */
  style?: string;
  /**
   * Replace the microphone with a steady tone (Chromium's fake microphone only beeps briefly,
   * too little for LiveKit's active-speaker detection).
   */
  tone?: boolean;
}

/** Every microphone the page opens from now on is a steady 440 Hz tone instead. */
function microphoneAsTone() {
  const devices = navigator.mediaDevices;
  const original = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    if (!constraints?.audio) return stream;
    const context = new AudioContext();
    const oscillator = context.createOscillator();
    oscillator.frequency.value = 440;
    const gain = context.createGain();
    gain.gain.value = 0.5;
    const destination = context.createMediaStreamDestination();
    oscillator.connect(gain).connect(destination);
    oscillator.start();
    for (const track of stream.getAudioTracks()) {
      stream.removeTrack(track);
      track.stop();
    }
    stream.addTrack(destination.stream.getAudioTracks()[0]!);
    return stream;
  };
}

let conference: Conference | undefined;
/** Every `vc-*` event that reached the provider, in order. */
const events: { type: string; detail: unknown }[] = [];

const requireConference = () => {
  if (!conference) throw new Error('join() first');
  return conference;
};

const api = {
  /** Makes the client and Conference, joins, then places the elements in the provider. */
  async join(args: ProvidedArgs): Promise<string> {
    if (args.tone) microphoneAsTone();
    const client = createClient({ server: args.server, token: args.token });
    conference = client.conference(args.roomId, {});
    const provider = document.createElement('div');
    provider.id = 'provider';
    if (args.style) provider.style.cssText = args.style;
    new ContextProvider(provider, { context: conferenceContext, initialValue: conference });
    for (const type of ['vc-request-kick', 'vc-error']) {
      provider.addEventListener(type, (event) => {
        events.push({ type, detail: (event as CustomEvent).detail });
      });
    }
    document.getElementById('remote')!.append(provider);
    await conference.join();
    for (const { tag, attributes = {}, style } of args.elements) {
      const element = document.createElement(tag);
      for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
      if (style) element.style.cssText = style;
      provider.append(element);
    }
    return conference.state.get();
  },

  state: () => requireConference().state.get(),

  /** The SDK's view of the participants (no tracks: they do not serialise). */
  participants: () =>
    setupParticipants(requireConference())
      .participants.get()
      .map((p) => ({
        id: p.id,
        displayName: p.displayName,
        role: p.role,
        isLocal: p.isLocal,
        isSpeaking: p.isSpeaking,
        audioMuted: p.audioMuted,
        videoMuted: p.videoMuted,
        hasVideo: p.videoTrack !== null,
        hasScreen: p.screenTrack !== null,
      })),

  setScreenShare: (on: boolean) => requireConference().setScreenShareEnabled(on),
  setMicrophone: (on: boolean) => requireConference().setMicrophoneEnabled(on),
  setCamera: (on: boolean) => requireConference().setCameraEnabled(on),

  /** Stops the next `vc-request-kick` events (`preventDefault()`) while `on`. */
  preventKicks(on: boolean) {
    const w = globalThis as unknown as { preventKick?: (e: Event) => void };
    const provider = document.getElementById('provider')!;
    if (w.preventKick) provider.removeEventListener('vc-request-kick', w.preventKick);
    w.preventKick = undefined;
    if (on) {
      w.preventKick = (event) => event.preventDefault();
      provider.addEventListener('vc-request-kick', w.preventKick);
    }
  },

  events: () => events,

  leave: () => conference?.leave(),
};

(globalThis as unknown as { providerTest: typeof api }).providerTest = api;

export type ProviderApi = typeof api;
