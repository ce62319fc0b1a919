// A meeting page with its own UI on @videoconf/client-sdk alone: no framework, no web
// components. Every piece of state the page shows comes from one of the SDK's stores
// (`Store.subscribe`), every action is one of its calls. User content (names, chat) is only
// ever set as text (`textContent`), never parsed as HTML.
import {
  type ChatMessage,
  type Conference,
  type ConferenceState,
  createClient,
  isApiError,
  type MediaState,
  type ParticipantView,
  setupChat,
  setupMediaControls,
  setupParticipants,
  setupWaitingRoom,
  type WaitingEntry,
} from '@videoconf/client-sdk';

// The API is served by the same origin as this page (`pnpm start`).
const client = createClient({ server: location.origin });
const params = new URLSearchParams(location.search);

const byId = <T extends HTMLElement = HTMLElement>(id: string) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
};
/** An element with its text set as text. */
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) => {
  const element = document.createElement(tag);
  if (text !== undefined) element.textContent = text;
  if (className) element.className = className;
  return element;
};

const views = ['auth-view', 'guest-view', 'rooms-view', 'call-view'].map((id) => byId(id));
/** Shows one view and moves the focus to its heading (screen readers announce the change). */
function show(id: string) {
  for (const view of views) view.hidden = view.id !== id;
  byId(id).querySelector<HTMLElement>('h2')?.focus();
}

const statusLine = byId('status');
const setStatus = (text: string) => {
  statusLine.textContent = text;
};
/** Feedback on the person's own actions (the status line shows where the meeting stands). */
const notice = byId('notice');
const notify = (text: string) => {
  notice.textContent = text;
};
const describe = (error: unknown) =>
  isApiError(error) ? `${error.message} (${error.code})` : String(error);

/** Runs a form's action with its button disabled, and shows a failure in the status line. */
function onSubmit(form: HTMLFormElement, action: (data: FormData) => Promise<void>) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]') as HTMLButtonElement;
    button.disabled = true;
    action(new FormData(form))
      .catch((error: unknown) => notify(describe(error)))
      .finally(() => {
        button.disabled = false;
      });
  });
}
const field = (data: FormData, name: string) => String(data.get(name) ?? '').trim();

// --- signing in ---

onSubmit(byId<HTMLFormElement>('login-form'), async (data) => {
  notify('Signing in…');
  await client.auth.login({ email: field(data, 'email'), password: String(data.get('password')) });
  await afterSignIn();
});

onSubmit(byId<HTMLFormElement>('register-form'), async (data) => {
  notify('Registering…');
  const email = field(data, 'email');
  const password = String(data.get('password'));
  await client.auth.register({ email, password, displayName: field(data, 'displayName') });
  await client.auth.login({ email, password });
  await afterSignIn();
});

onSubmit(byId<HTMLFormElement>('guest-form'), async (data) => {
  notify('Opening the invitation…');
  const displayName = field(data, 'displayName');
  // Without a session, redeeming signs this client in as a guest of the invite's room.
  const { room } = await client.invites.redeem(params.get('invite') ?? '', { displayName });
  await enterRoom(room.id, displayName);
});

async function afterSignIn() {
  notify('');
  const roomId = params.get('room');
  if (roomId) return enterRoom(roomId);
  setStatus(`Signed in as ${client.auth.session.get()?.user.displayName ?? ''}`);
  show('rooms-view');
}

byId('sign-out').addEventListener('click', () => {
  void client.auth.logout().finally(() => {
    setStatus('Signed out');
    show('auth-view');
  });
});

// --- rooms ---

onSubmit(byId<HTMLFormElement>('create-form'), async (data) => {
  const room = await client.rooms.create({
    title: field(data, 'title'),
    waitingRoomEnabled: data.get('waitingRoom') === 'on',
  });
  await enterRoom(room.id);
});

onSubmit(byId<HTMLFormElement>('open-form'), (data) => enterRoom(field(data, 'roomId')));

// --- the meeting ---

const STATE_TEXT: Record<ConferenceState, string> = {
  idle: '',
  joining: 'Connecting…',
  waiting: 'Waiting for the host to let you in…',
  connected: 'In the meeting',
  reconnecting: 'Connection lost: reconnecting…',
  left: 'You left the meeting.',
  kicked: 'A host removed you from the meeting.',
  ended: 'The meeting has ended.',
  rejected: 'The host did not let you in.',
  error: 'Could not join the meeting.',
};
const MEDIA_TEXT: Partial<Record<MediaState, string>> = {
  unavailable: 'Video and audio are unavailable on this server: chat and the lobby still work.',
  connecting: 'Connecting video and audio…',
  reconnecting: 'Video and audio are reconnecting…',
};
const FINAL: ConferenceState[] = ['left', 'kicked', 'ended', 'rejected', 'error'];

async function enterRoom(roomId: string, displayName?: string) {
  // The page's address becomes the room's (an invite token does not stay in the address bar).
  history.replaceState(null, '', `${location.pathname}?room=${encodeURIComponent(roomId)}`);
  notify('');
  const conference = client.conference(roomId, displayName ? { displayName } : {});
  show('call-view');
  bindConference(conference);
  await conference.join();
}

function bindConference(conference: Conference) {
  const chat = setupChat(conference);
  const lobby = setupWaitingRoom(conference);
  const { participants } = setupParticipants(conference);
  const controls = setupMediaControls(conference);

  conference.room.subscribe((room) => {
    if (room) byId('room-title').textContent = room.title;
  });

  const chatForm = byId<HTMLFormElement>('chat-form');
  const stage = byId('stage');
  conference.state.subscribe((state) => {
    let text = STATE_TEXT[state];
    const reason = conference.entry.get()?.reason;
    if (state === 'rejected' && reason) text += ` (${reason})`;
    if (state === 'error' && conference.error) text += ` ${describe(conference.error)}`;
    setStatus(text);
    const inside = state === 'connected' || state === 'reconnecting';
    stage.hidden = !inside;
    // After the meeting, the conversation stays readable for those who were in it.
    byId('chat').hidden = !inside && !(FINAL.includes(state) && conference.self.get());
    byId('waiting-note').hidden = state !== 'waiting';
    for (const input of chatForm.elements) (input as HTMLInputElement).disabled = !inside;
    byId('final-note').hidden = !FINAL.includes(state);
    if (FINAL.includes(state)) {
      byId('host-tools').hidden = true;
      byId('lobby').hidden = true;
    }
  });

  const mediaNote = byId('media-note');
  conference.media.subscribe((media) => {
    const text = MEDIA_TEXT[media];
    mediaNote.hidden = !text || FINAL.includes(conference.state.get());
    mediaNote.textContent = text ?? '';
  });
  // A camera or microphone that could not be opened (no device, permission refused).
  conference.on('error', (error) => {
    if (!FINAL.includes(conference.state.get())) {
      mediaNote.hidden = false;
      mediaNote.textContent = describe(error);
    }
  });

  // Hosts and co-hosts: the invite link and the lobby.
  conference.self.subscribe(() => {
    const moderator = conference.isModerator && !FINAL.includes(conference.state.get());
    byId('host-tools').hidden = !moderator;
    byId('lobby').hidden = !moderator;
  });
  byId('invite-button').addEventListener('click', () => {
    void (async () => {
      const invite = await client.invites.create(conference.roomId);
      const link = `${location.origin}${location.pathname}?invite=${encodeURIComponent(invite.token)}`;
      const input = byId<HTMLInputElement>('invite-link');
      input.value = link;
      input.select();
      const copied = await navigator.clipboard?.writeText(link).then(
        () => true,
        () => false,
      );
      notify(copied ? 'Invite link copied' : 'Copy the invite link from the box');
    })().catch((error: unknown) => notify(describe(error)));
  });
  lobby.entries.subscribe((entries) => renderKnocks(entries, lobby));

  // Video tiles and remote audio.
  participants.subscribe((list) => {
    renderTiles(list);
    playRemoteAudio(list);
  });

  // Microphone, camera, leave.
  const micButton = byId<HTMLButtonElement>('mic-button');
  const cameraButton = byId<HTMLButtonElement>('camera-button');
  const bindToggle = (
    button: HTMLButtonElement,
    store: typeof controls.microphone,
    toggle: () => Promise<void>,
    [on, off]: [string, string],
  ) => {
    const refresh = () => {
      const { enabled, pending } = store.get();
      button.textContent = enabled ? on : off;
      button.setAttribute('aria-pressed', String(enabled));
      button.disabled = pending || conference.media.get() !== 'connected';
    };
    store.subscribe(refresh);
    conference.media.subscribe(refresh);
    button.addEventListener('click', () => {
      toggle().catch((error: unknown) => notify(describe(error)));
    });
  };
  bindToggle(micButton, controls.microphone, controls.toggleMicrophone, [
    'Mute microphone',
    'Unmute microphone',
  ]);
  bindToggle(cameraButton, controls.camera, controls.toggleCamera, [
    'Turn camera off',
    'Turn camera on',
  ]);
  byId('leave-button').addEventListener('click', () => void conference.leave());
  byId('start-over').addEventListener('click', () => {
    location.href = location.pathname;
  });

  // Chat.
  const list = byId('messages');
  const older = byId<HTMLButtonElement>('older-button');
  chat.messages.subscribe(renderMessages);
  chat.hasMore.subscribe((more) => {
    older.hidden = !more;
  });
  older.addEventListener('click', () => {
    older.disabled = true;
    chat
      .loadOlder()
      .catch((error: unknown) => notify(describe(error)))
      .finally(() => {
        older.disabled = false;
      });
  });
  onSubmit(chatForm, async (data) => {
    const content = field(data, 'content');
    if (!content) return;
    await chat.send(content);
    chatForm.reset();
    (chatForm.elements.namedItem('content') as HTMLInputElement).focus();
  });

  function renderMessages(messages: ChatMessage[]) {
    // Follow the conversation only when the reader is at the bottom already.
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(
      ...messages.map((message) => {
        const item = el('li');
        item.dataset.seq = String(message.seq);
        item.append(
          el('span', message.senderDisplayName, 'who'),
          el('span', message.content, 'text'),
          el(
            'time',
            new Date(message.createdAt).toLocaleTimeString([], {
              hour: '2-digit',
              minute: '2-digit',
            }),
            'when',
          ),
        );
        if (message.editedAt) item.append(el('span', ' (edited)', 'when'));
        return item;
      }),
    );
    if (atBottom) list.scrollTop = list.scrollHeight;
  }
}

function renderKnocks(entries: WaitingEntry[], lobby: ReturnType<typeof setupWaitingRoom>) {
  byId('lobby-empty').hidden = entries.length > 0;
  byId('knocks').replaceChildren(
    ...entries.map((entry) => {
      const item = el('li');
      const admit = el('button', 'Admit');
      admit.type = 'button';
      admit.setAttribute('aria-label', `Admit ${entry.displayName}`);
      const reject = el('button', 'Reject');
      reject.type = 'button';
      reject.setAttribute('aria-label', `Reject ${entry.displayName}`);
      const act = (action: () => Promise<void>) => () => {
        admit.disabled = reject.disabled = true;
        action().catch((error: unknown) => {
          admit.disabled = reject.disabled = false;
          notify(describe(error));
        });
      };
      admit.addEventListener(
        'click',
        act(() => lobby.admit(entry.id)),
      );
      reject.addEventListener(
        'click',
        act(() => lobby.reject(entry.id)),
      );
      item.append(el('span', `${entry.displayName} is waiting`), admit, reject);
      return item;
    }),
  );
}

// One tile per participant, kept across updates so that a playing <video> is not recreated.
const tiles = new Map<
  string,
  {
    tileElement: HTMLElement;
    video: HTMLVideoElement;
    caption: HTMLElement;
    placeholder: HTMLElement;
  }
>();

function renderTiles(list: ParticipantView[]) {
  const container = byId('tiles');
  const seen = new Set<string>();
  for (const participant of list) {
    seen.add(participant.id);
    let tile = tiles.get(participant.id);
    if (!tile) {
      const tileElement = el('li', undefined, 'tile');
      tileElement.dataset.participantId = participant.id;
      const video = el('video');
      video.autoplay = true;
      video.playsInline = true;
      // Sound plays through the audio elements (and never one's own).
      video.muted = true;
      const placeholder = el('div', 'Camera off', 'placeholder');
      const caption = el('span', undefined, 'caption');
      tileElement.append(video, placeholder, caption);
      tile = { tileElement, video, caption, placeholder };
      tiles.set(participant.id, tile);
    }
    const track = participant.videoTrack;
    const current = (tile.video.srcObject as MediaStream | null)?.getVideoTracks()[0] ?? null;
    if (track !== current) tile.video.srcObject = track ? new MediaStream([track]) : null;
    tile.video.hidden = !track;
    tile.placeholder.hidden = !!track;
    const name = participant.isLocal ? `${participant.displayName} (you)` : participant.displayName;
    const flags = [
      participant.role === 'host' ? 'host' : participant.role === 'co_host' ? 'co-host' : '',
      participant.audioMuted ? 'muted' : '',
    ].filter(Boolean);
    tile.caption.textContent = flags.length ? `${name} · ${flags.join(' · ')}` : name;
    tile.tileElement.classList.toggle('speaking', participant.isSpeaking);
    tile.tileElement.dataset.local = String(participant.isLocal);
    container.append(tile.tileElement); // keeps the participants' order
  }
  for (const [id, tile] of tiles) {
    if (seen.has(id)) continue;
    tile.video.srcObject = null;
    tile.tileElement.remove();
    tiles.delete(id);
  }
}

// Remote audio: every microphone (and screen-share sound) of the others, each in an <audio>
// element. `ParticipantView` gives them as tracks (none for oneself).
const sinks = new Map<MediaStreamTrack, HTMLAudioElement>();

function playRemoteAudio(people: readonly ParticipantView[]) {
  const live = new Set<MediaStreamTrack>();
  for (const person of people) {
    if (person.audioTrack) live.add(person.audioTrack);
    if (person.screenAudioTrack) live.add(person.screenAudioTrack);
  }
  for (const track of live) {
    if (sinks.has(track)) continue;
    const audio = el('audio');
    audio.autoplay = true;
    audio.srcObject = new MediaStream([track]);
    byId('audio-sinks').append(audio);
    sinks.set(track, audio);
    audio.play().catch(() => {
      // The browser wants a click before playing sound.
      byId('enable-audio').hidden = false;
    });
  }
  for (const [track, audio] of sinks) {
    if (live.has(track)) continue;
    audio.srcObject = null;
    audio.remove();
    sinks.delete(track);
  }
}
byId('enable-audio').addEventListener('click', (event) => {
  for (const audio of sinks.values()) void audio.play().catch(() => undefined);
  (event.currentTarget as HTMLElement).hidden = true;
});

// --- start ---

if (params.get('invite')) {
  setStatus('Enter your name to join.');
  show('guest-view');
} else {
  setStatus(params.get('room') ? 'Sign in to join the meeting.' : 'Sign in or register.');
  show('auth-view');
}
