// The app's pages call videoconf under /meet with the browser's cookie; `<vc-room>` gets the
// app's meeting tokens through `.getToken` (set here, before the element is defined).
const API = '/meet/api/v1';
const el = (tag, text) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
};
async function api(method, path, body) {
  const answer = await fetch(`${API}${path}`, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  });
  const data = answer.status === 204 ? null : await answer.json();
  if (!answer.ok) throw new Error(`${data?.message ?? answer.statusText} (${data?.code})`);
  return data;
}
const notice = document.getElementById('notice');
const fail = (error) => {
  if (notice) notice.textContent = String(error.message ?? error);
};

// The home page: create a meeting, list one's meetings.
const form = document.getElementById('create-form');
if (form) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    api('POST', '/rooms', {
      title: String(data.get('title')).trim(),
      waitingRoomEnabled: data.get('waitingRoom') === 'on',
    })
      .then((room) => {
        location.href = `/room/${encodeURIComponent(room.id)}`;
      })
      .catch(fail);
  });
  api('GET', '/rooms?limit=50')
    .then(({ items }) => {
      document.getElementById('rooms').replaceChildren(
        ...items.map((room) => {
          const item = el('li');
          const link = el('a', room.title);
          link.href = `/room/${encodeURIComponent(room.id)}`;
          item.append(link, ` · ${room.status}`);
          return item;
        }),
      );
    })
    .catch(fail);
}

// The meeting page, signed in: the app's meeting tokens, and an invite link for guests (who
// need no account of this app).
const inviteButton = document.getElementById('invite-button');
if (inviteButton) {
  document.querySelector('vc-room').getToken = async () => {
    const answer = await fetch('/meet-token', { method: 'POST' });
    if (!answer.ok) throw new Error('Signed out: sign in again');
    return (await answer.json()).token;
  };
  const roomId = document.querySelector('vc-room').getAttribute('room');
  inviteButton.addEventListener('click', () => {
    api('POST', `/rooms/${encodeURIComponent(roomId)}/invite`, {})
      .then(async (invite) => {
        const link = `${location.origin}/room/${encodeURIComponent(roomId)}?invite=${encodeURIComponent(invite.token)}`;
        const field = document.getElementById('invite-link');
        field.value = link;
        field.hidden = false;
        await navigator.clipboard?.writeText(link).catch(() => {});
        field.select();
      })
      .catch(fail);
  });
}
