// The in-page half of test/support/browser.ts: loaded as an ES module by the test page, next to
// livekit-client's own ES build. It exposes `globalThis.videoconfTest` for `page.evaluate`, and
// reports room events to the test through the `videoconfRoomEvent` binding that browser.ts
// installs before the page loads.
import { DisconnectReason, Room, RoomEvent, Track } from '/livekit-client.esm.mjs';
import { routeMediaThrough } from './route-media.mjs';

/** @type {Room | undefined} */
let room;

function report(type, detail = {}) {
  const event = { type, at: Date.now(), ...detail };
  // The binding exists only when the page is driven by the harness; a page opened by hand works.
  globalThis.videoconfRoomEvent?.(event);
}

/** One <figure> per remote video track, labelled with its participant's identity. */
function attachRemote(track, participant) {
  if (track.kind === Track.Kind.Video) {
    const figure = document.createElement('figure');
    figure.dataset.identity = participant.identity;
    figure.dataset.trackSid = track.sid;
    const element = track.attach();
    element.muted = true;
    element.width = 320;
    element.height = 240;
    const caption = document.createElement('figcaption');
    caption.textContent = `remote video of ${participant.identity}`;
    figure.append(element, caption);
    document.querySelector('#remote').append(figure);
  } else {
    // Played as in a real call (the harness's flags allow autoplay).
    const element = track.attach();
    element.dataset.identity = participant.identity;
    document.querySelector('#remote').append(element);
  }
}

function detachRemote(track) {
  for (const element of track.detach()) {
    (element.closest('figure') ?? element).remove();
  }
}

/** The `inbound-rtp` entry of a remote track's receiver (`RTCPeerConnection.getStats()`). */
async function inbound(track) {
  const report = await track.getRTCStatsReport();
  if (!report) return undefined;
  for (const stat of report.values()) {
    if (stat.type === 'inbound-rtp') return stat;
  }
  return undefined;
}

async function inboundOf(kind) {
  const result = [];
  if (!room) return result;
  for (const participant of room.remoteParticipants.values()) {
    for (const publication of participant.trackPublications.values()) {
      const track = publication.track;
      if (!track || track.kind !== kind) continue;
      const stat = await inbound(track);
      result.push({ identity: participant.identity, source: publication.source, stat });
    }
  }
  return result;
}

globalThis.videoconfTest = {
  /**
   * Connects to LiveKit and publishes the fake camera and microphone. With `mediaPort`, media
   * goes only over TCP to that port (see `routeMediaThrough`). `camera`: `{width, height,
   * frameRate}` of the capture, published as one layer (no simulcast); default livekit-client's
   * (720p, simulcast).
   */
  async connect(url, token, mediaPort, camera) {
    if (mediaPort) routeMediaThrough(mediaPort);
    room = new Room({
      adaptiveStream: false,
      dynacast: false,
      ...(camera && {
        videoCaptureDefaults: { resolution: camera },
        publishDefaults: { simulcast: false },
      }),
    });
    room
      .on(RoomEvent.Connected, () => report('connected'))
      .on(RoomEvent.Disconnected, (reason) =>
        report('disconnected', { reason: DisconnectReason[reason] ?? String(reason) }),
      )
      .on(RoomEvent.SignalReconnecting, () => report('signalReconnecting'))
      .on(RoomEvent.Reconnecting, () => report('reconnecting'))
      .on(RoomEvent.Reconnected, () => report('reconnected'))
      .on(RoomEvent.ConnectionStateChanged, (state) => report('connectionState', { state }))
      .on(RoomEvent.ParticipantConnected, (p) =>
        report('participantConnected', { identity: p.identity }),
      )
      .on(RoomEvent.ParticipantDisconnected, (p) =>
        report('participantDisconnected', { identity: p.identity }),
      )
      .on(RoomEvent.TrackSubscribed, (track, publication, participant) => {
        attachRemote(track, participant);
        report('trackSubscribed', {
          identity: participant.identity,
          kind: track.kind,
          source: publication.source,
        });
      })
      .on(RoomEvent.TrackUnsubscribed, (track, publication, participant) => {
        detachRemote(track);
        report('trackUnsubscribed', {
          identity: participant.identity,
          kind: track.kind,
          source: publication.source,
        });
      })
      .on(RoomEvent.TrackMuted, (publication, participant) =>
        report('trackMuted', {
          identity: participant.identity,
          kind: publication.kind,
          source: publication.source,
        }),
      )
      .on(RoomEvent.TrackUnmuted, (publication, participant) =>
        report('trackUnmuted', {
          identity: participant.identity,
          kind: publication.kind,
          source: publication.source,
        }),
      )
      .on(RoomEvent.LocalTrackPublished, (publication) =>
        report('localTrackPublished', { kind: publication.kind, source: publication.source }),
      )
      .on(RoomEvent.LocalTrackUnpublished, (publication) =>
        report('localTrackUnpublished', { kind: publication.kind, source: publication.source }),
      );
    await room.connect(url, token);
    await room.localParticipant.enableCameraAndMicrophone();
    return { identity: room.localParticipant.identity, roomName: room.name };
  },

  /**
   * One timed media join, as a subscriber that publishes nothing (the `media.join` benchmark):
   * with `api`, our REST join first (from this page, as a client does; its answer carries the
   * media token, else `POST /media/token` asks for it), then LiveKit with the URL and token they gave; without, LiveKit with `url` and `token`.
   * Resolves when the first remote video frame is decoded: the first `requestVideoFrameCallback`
   * of the attached `<video>` or inbound `framesDecoded > 0`, whichever is seen first. Times are
   * milliseconds since the call (`performance.now()`), per step.
   */
  async timedJoin({ api, url, token, timeoutMs = 15_000 }) {
    const started = performance.now();
    const since = () => Math.round((performance.now() - started) * 10) / 10;
    const steps = {};
    if (api) {
      const post = async (path) => {
        const answer = await fetch(`${api.base}/api/v1/rooms/${api.roomId}${path}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${api.accessToken}`,
            'content-type': 'application/json',
          },
          body: '{}',
        });
        if (!answer.ok) throw new Error(`POST ${path}: ${answer.status} ${await answer.text()}`);
        return answer.json();
      };
      const joined = await post('/join');
      steps.join = since();
      // The join's answer carries the media token; older servers need the second request.
      ({ url, token } = joined.media ?? (await post('/media/token')));
      steps.token = since();
    }
    room = new Room({ adaptiveStream: false, dynacast: false });
    let timer;
    let seen = false;
    const firstFrame = new Promise((resolve, reject) => {
      const done = (how) => {
        seen = true;
        resolve(how);
      };
      timer = setTimeout(
        () => reject(new Error(`no remote video frame within ${timeoutMs} ms`)),
        timeoutMs,
      );
      room.on(RoomEvent.TrackSubscribed, (track) => {
        if (track.kind !== Track.Kind.Video) return;
        steps.subscribed ??= since();
        const element = track.attach();
        element.muted = true;
        document.querySelector('#remote').append(element);
        element.requestVideoFrameCallback?.(() => done('videoFrame'));
        const poll = async () => {
          if (seen) return;
          const stat = await inbound(track).catch(() => undefined);
          if ((stat?.framesDecoded ?? 0) > 0) done('framesDecoded');
          else setTimeout(poll, 5);
        };
        poll();
      });
    });
    firstFrame.catch(() => undefined);
    try {
      await room.connect(url, token);
      steps.connected = since();
      steps.seenBy = await firstFrame;
    } finally {
      seen = true;
      clearTimeout(timer);
    }
    steps.firstFrame = since();
    return steps;
  },

  /** Inbound video of every remote participant: framesDecoded, frameWidth, frameHeight... */
  async inboundVideo() {
    return (await inboundOf(Track.Kind.Video)).map(({ identity, source, stat }) => ({
      identity,
      source,
      framesDecoded: stat?.framesDecoded ?? 0,
      frameWidth: stat?.frameWidth ?? 0,
      frameHeight: stat?.frameHeight ?? 0,
      bytesReceived: stat?.bytesReceived ?? 0,
    }));
  },

  /** Inbound audio of every remote participant: totalSamplesReceived, audioLevel... */
  async inboundAudio() {
    return (await inboundOf(Track.Kind.Audio)).map(({ identity, source, stat }) => ({
      identity,
      source,
      totalSamplesReceived: stat?.totalSamplesReceived ?? 0,
      concealedSamples: stat?.concealedSamples ?? 0,
      audioLevel: stat?.audioLevel ?? 0,
      bytesReceived: stat?.bytesReceived ?? 0,
    }));
  },

  /** What the room looks like from this page. */
  state() {
    return {
      connectionState: room?.state ?? 'none',
      identity: room?.localParticipant.identity,
      remote: room ? [...room.remoteParticipants.keys()] : [],
    };
  },

  /** Publishes or unpublishes a screen share (Chromium's fake capture with the harness flags). */
  async setScreenShare(enabled) {
    await room.localParticipant.setScreenShareEnabled(enabled);
  },

  /**
   * Asks LiveKit to publish a screen share the way a modified client would: livekit-client's own
   * check of the permissions LiveKit sent is skipped, so the request reaches the server. Resolves
   * with the server's answer to that request (`{ reason }`, e.g. `NOT_ALLOWED`), or
   * `{ reason: 'published' }` when the track was published.
   */
  async screenShareIgnoringPermissions() {
    const participant = room.localParticipant;
    participant.hasPermissionsToPublish = () => true;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer from LiveKit in 8 s')), 8_000);
      room.engine.on('signalRequestResponse', (response) => {
        if (response.request?.case !== 'addTrack') return;
        clearTimeout(timer);
        // RequestResponse.Reason of LiveKit's protocol: 0 OK, 1 NOT_FOUND, 2 NOT_ALLOWED, ...
        const names = ['OK', 'NOT_FOUND', 'NOT_ALLOWED', 'LIMIT_EXCEEDED', 'QUEUED'];
        resolve({ reason: names[response.reason] ?? String(response.reason) });
      });
      participant.setScreenShareEnabled(true).then(
        () => {
          clearTimeout(timer);
          resolve({ reason: 'published' });
        },
        // Refused by the server, livekit-client only gives up after its publication timeout.
        () => undefined,
      );
    });
  },

  async disconnect() {
    await room?.disconnect();
  },
};

report('ready');
