// `node scripts/livekit-watchdog.mjs <pid>`: stops the LiveKit server of process group <pid>
// (started by `startLivekit()` of scripts/livekit.mjs) once the process that started it is gone.
// That process holds the only writing end of this one's stdin: whatever ends it, a SIGKILL
// included, the kernel closes the pipe and stdin ends here. No prctl, no polling of a parent.
// It also leaves by itself when the server is gone first (stopped by its starter, or crashed).
import { setTimeout as sleep } from 'node:timers/promises';

const group = Number(process.argv[2]);
if (!Number.isInteger(group) || group <= 0) {
  console.error('usage: livekit-watchdog.mjs <pid>');
  process.exit(2);
}

const alive = () => {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
};

const gone = setInterval(() => {
  if (!alive()) process.exit(0);
}, 1_000);

async function stop() {
  clearInterval(gone);
  // LiveKit's first SIGTERM waits for every participant to leave; a second one does not.
  for (const [signal, ms] of [
    ['SIGTERM', 1_000],
    ['SIGTERM', 5_000],
    ['SIGKILL', 0],
  ]) {
    try {
      process.kill(-group, signal);
    } catch {
      break;
    }
    for (let waited = 0; waited < ms && alive(); waited += 100) await sleep(100);
    if (!alive()) break;
  }
  process.exit(0);
}

process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
