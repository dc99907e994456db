// What the API server's StreamTranslator sends a kubelet, made by hand with the same client (streamExecSpdy): a SPDY
// POST to the kubelet's /exec/{namespace}/{pod}/{container} offering v5 to v1, the output here, exit with the command's
// code. `node --import tsx scripts/spdy-exec.ts <kubelet URL> <namespace>/<pod>/<container> -- <command...>`;
// under scripts/spdy-tap.ts the tap's URL comes in SPDY_TAP_URL. No credentials: the kubelets up to chapter 8 need none.
import { streamExecSpdy } from '../src/remotecommand/spdy-client.ts';
import { exitCodeFromStatus } from '../src/remotecommand/status.ts';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const [server, target] = dash < 0 ? [] : argv.slice(0, dash);
const command = dash < 0 ? [] : argv.slice(dash + 1);
if (!server || !target || !/^[^/]+\/[^/]+\/[^/]+$/.test(target) || command.length === 0) {
  console.error('usage: spdy-exec.ts <kubelet URL> <namespace>/<pod>/<container> -- <command...>');
  process.exit(2);
}
// The kubelet's query: the streams as input/output/error, one command= per argument (kubelet server.go getExec).
const url = new URL(`/exec/${target}`, process.env.SPDY_TAP_URL ?? server);
for (const c of command) url.searchParams.append('command', c);
url.searchParams.set('output', '1');
url.searchParams.set('error', '1');
try {
  const status = await streamExecSpdy(url, { stdout: process.stdout, stderr: process.stderr, tty: false, hop: `kubelet at ${server}` });
  const code = exitCodeFromStatus(status);
  if (status.status !== 'Success') console.error(status.message);
  process.exit(code);
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
}
