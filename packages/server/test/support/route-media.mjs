// Media over a link the test can cut (`networkLink` in browser.ts), for any test page: the
// LiveKit page (browser-page.mjs) and the client SDK's page (bundled by its tests) both import it.
/**
 * Sends all of this page's media over TCP to `127.0.0.1:port` (a link the test can cut, see
 * `networkLink` in browser.ts). Both sides must forget UDP, or ICE finds it anyway (LiveKit
 * checks every candidate the page trickles, and the page learns peer-reflexive ones from that):
 * - LiveKit's candidates are kept only for its loopback ICE-TCP candidate, pointed at the link;
 * - the page's own candidates are told to LiveKit only when they are TCP.
 * Applied to every description and candidate, so ICE restarts go the same way.
 */
export function routeMediaThrough(port) {
  const remote = (candidate) => {
    // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
    const parts = candidate.split(' ');
    if (parts[2]?.toLowerCase() !== 'tcp' || parts[4] !== '127.0.0.1') return undefined;
    parts[5] = String(port);
    return parts.join(' ');
  };
  const local = (candidate) =>
    candidate.split(' ')[2]?.toLowerCase() === 'tcp' ? candidate : undefined;
  const filterSdp = (sdp, keep) =>
    sdp
      .split('\r\n')
      .flatMap((line) => {
        if (!line.startsWith('a=candidate:')) return [line];
        const kept = keep(line.slice(2));
        return kept ? [`a=${kept}`] : [];
      })
      .join('\r\n');
  const prototype = RTCPeerConnection.prototype;

  const setRemoteDescription = prototype.setRemoteDescription;
  prototype.setRemoteDescription = function (description) {
    if (!description?.sdp) return setRemoteDescription.call(this, description);
    const sdp = filterSdp(description.sdp, remote);
    return setRemoteDescription.call(this, { type: description.type, sdp });
  };
  const addIceCandidate = prototype.addIceCandidate;
  prototype.addIceCandidate = function (init) {
    if (!init?.candidate) return addIceCandidate.call(this, init);
    const kept = remote(init.candidate);
    if (!kept) return Promise.resolve();
    return addIceCandidate.call(this, { ...init, candidate: kept });
  };

  for (const name of ['createOffer', 'createAnswer']) {
    const create = prototype[name];
    prototype[name] = async function (...args) {
      const description = await create.apply(this, args);
      return { type: description.type, sdp: filterSdp(description.sdp, local) };
    };
  }
  const onicecandidate = Object.getOwnPropertyDescriptor(prototype, 'onicecandidate');
  Object.defineProperty(prototype, 'onicecandidate', {
    ...onicecandidate,
    set(handler) {
      onicecandidate.set.call(
        this,
        handler &&
          ((event) => {
            if (event.candidate?.candidate && !local(event.candidate.candidate)) return;
            handler.call(this, event);
          }),
      );
    },
  });
}
