// `npm run component -- list | stop <name> [--signal=SIGKILL] | start <name> | restart <name>`: one component of the
// running checkpoint, through its supervisor's control socket (the checkpoint's KUBECONFIG folder, else the newest
// `npm run chapter`). A component stopped this way stays stopped; one that crashes is restarted by the supervisor.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { findRunningCheckpoints } from '../src/workbook/checkpoint.ts';
import { controlSocketPath, sendControl, type ControlRequest } from '../src/workbook/control.ts';

const usage = 'usage: npm run component -- list | stop <name> [--signal=SIGKILL] | start <name> | restart <name>';
const args = process.argv.slice(2);
const signal = args.find((a) => a.startsWith('--signal='))?.slice('--signal='.length);
const stateFlag = args.find((a) => a.startsWith('--state-dir='))?.slice('--state-dir='.length);
const [op, name, ...rest] = args.filter((a) => !a.startsWith('--'));

function stateDir(): string | undefined {
  if (stateFlag) return stateFlag;
  const fromKubeconfig = process.env.KUBECONFIG && dirname(process.env.KUBECONFIG);
  if (fromKubeconfig && existsSync(controlSocketPath(fromKubeconfig))) return fromKubeconfig;
  return findRunningCheckpoints()[0]?.stateDir;
}

let req: ControlRequest;
if (op === 'list' && !name) req = { op };
else if ((op === 'stop' || op === 'start' || op === 'restart') && name && rest.length === 0) {
  req = op === 'stop' ? { op, name, ...(signal ? { signal } : {}) } : { op, name };
} else {
  console.error(usage);
  process.exit(2);
}

const dir = stateDir();
if (!dir) {
  console.error('no running checkpoint found: start one with npm run chapter N');
  process.exit(1);
}
try {
  const res = await sendControl(controlSocketPath(dir), req);
  if (!res.ok) { console.error(`error: ${res.message}`); process.exit(1); }
  if (res.components) {
    console.log(`${'NAME'.padEnd(18)} ${'STATE'.padEnd(11)} ${'PID'.padEnd(8)} RESTARTS`);
    for (const c of res.components) console.log(`${c.name.padEnd(18)} ${c.state.padEnd(11)} ${String(c.pid ?? '').padEnd(8)} ${c.restarts}`);
  } else console.log(res.message);
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
}
