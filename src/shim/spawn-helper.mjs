// The shim's spawner: a small process that forks and execs the shim's exec processes, so that the fork, which
// blocks the forking process until the child has exec'd (2-8 ms for a 100 MB shim on a busy machine), blocks this
// process's loop, not the shim's. Plain JavaScript, no transpiler: it starts in ~40 ms. (Ours; runc's `runc exec`
// is a separate process for the same reason, among others.)
//
// IPC, one JSON message each way per event: {id, file, args, argv0, cwd, env, stdio} in; out {id, pid} then one
// message per pipe, carrying the pipe itself (a socketpair end, passed with SCM_RIGHTS), {id, exit: [code, signal]},
// or {id, error}. It dies with the shim (parent-death signal, or its IPC channel closing).
import { spawn } from 'node:child_process';

process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  let child;
  try {
    child = spawn(m.file, m.args, { cwd: m.cwd, env: m.env, argv0: m.argv0, detached: true, stdio: m.stdio });
  } catch (err) {
    process.send({ id: m.id, error: err.message });
    return;
  }
  if (child.pid === undefined) { // ENOENT, EACCES...: 'error' follows
    child.once('error', (err) => process.send({ id: m.id, error: err.message }));
    return;
  }
  child.once('error', () => { /* after a spawn: a failed kill, nothing to report */ });
  process.send({ id: m.id, pid: child.pid });
  for (const fd of [0, 1, 2]) {
    const s = child.stdio[fd];
    if (!s) continue;
    // Not one byte may be read here: a pipe passed on drops what its sender had buffered.
    s._handle?.readStop?.();
    process.send({ id: m.id, fd }, s);
  }
  child.once('exit', (code, signal) => process.send({ id: m.id, exit: [code, signal] }));
});
