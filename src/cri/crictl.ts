// A tiny crictl: talks CRI to a runtime socket as kubernetes-sigs/cri-tools' crictl does (version, ps, pods, images, exec --sync).
// Usage: node --import tsx src/cri/crictl.ts --runtime-endpoint unix:///path.sock <command> [flags]
import WebSocket from 'ws';
import { RemoteImageService, RemoteRuntimeService, CriError } from './remote-runtime.ts';
import { nanosToDate, type ContainerStateName } from './proto.ts';

const STATES: Record<string, ContainerStateName> = { created: 'CONTAINER_CREATED', running: 'CONTAINER_RUNNING', exited: 'CONTAINER_EXITED', unknown: 'CONTAINER_UNKNOWN' };
const SHOW_STATE: Record<ContainerStateName, string> = { CONTAINER_CREATED: 'Created', CONTAINER_RUNNING: 'Running', CONTAINER_EXITED: 'Exited', CONTAINER_UNKNOWN: 'Unknown' };

function ago(n: string | number): string {
  const d = nanosToDate(n);
  if (!d) return '';
  const s = Math.max(0, Math.round((Date.now() - d.getTime()) / 1000));
  return s < 60 ? `${s} seconds ago` : s < 3600 ? `${Math.round(s / 60)} minutes ago` : `${Math.round(s / 3600)} hours ago`;
}

// crictl's tables: columns padded with spaces, at least 20 wide (a tabwriter with minwidth 20, padding 3).
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(17, ...rows.map((r) => r[i]!.length)) + 3);
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('')).join('\n');
}

// #region crictl-exec-sync
async function exec(rt: RemoteRuntimeService, args: string[]): Promise<number> {
  const sync = args.includes('--sync') || args.includes('-s');
  const dash = args.indexOf('--');
  const positional = (dash < 0 ? args : args.slice(0, dash)).filter((a) => !a.startsWith('-'));
  const [id] = positional;
  const cmd = dash < 0 ? positional.slice(1) : args.slice(dash + 1);
  if (!id || cmd.length === 0) throw new Error('usage: crictl exec [--sync] CONTAINER-ID -- COMMAND [ARG...]');
  if (!sync) return execStreaming(rt, id, cmd, args.includes('--show-url'));
  const timeout = Number(args.find((a) => a.startsWith('--timeout='))?.slice('--timeout='.length) ?? 0);
  const res = await rt.execSync(id, cmd, timeout);
  process.stdout.write(res.stdout);
  process.stderr.write(res.stderr);
  return res.exit_code;
}
// #endregion crictl-exec-sync

// Streaming exec: CRI Exec gives a URL, and the client connects to it. The real crictl speaks SPDY there;
// ours speaks the WebSocket v5 protocol that the streaming server also serves (stdout and stderr only).
async function execStreaming(rt: RemoteRuntimeService, id: string, cmd: string[], showURL: boolean): Promise<number> {
  const url = await rt.exec({ container_id: id, cmd, tty: false, stdin: false, stdout: true, stderr: true });
  if (showURL) console.log(`URL: ${url}`);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), ['v5.channel.k8s.io']);
    let status = '';
    ws.on('message', (data: Buffer) => {
      if (data[0] === 1) process.stdout.write(data.subarray(1));
      else if (data[0] === 2) process.stderr.write(data.subarray(1));
      else if (data[0] === 3) status += data.subarray(1).toString();
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`${url.replace(/[^/]{5}$/, '…')}: ${res.statusCode} ${res.statusMessage}`)));
    ws.on('error', reject);
    ws.on('close', () => {
      const s = status ? JSON.parse(status) as { status: string; reason?: string; message?: string; details?: { causes?: { message?: string }[] } } : undefined;
      if (!s || s.status === 'Success') return resolve(0);
      if (s.reason === 'NonZeroExitCode') return resolve(Number(s.details?.causes?.[0]?.message ?? 1));
      reject(new Error(s.message ?? 'exec failed'));
    });
  });
}

async function main(argv: string[]): Promise<number> {
  let endpoint = process.env.CONTAINER_RUNTIME_ENDPOINT ?? '';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runtime-endpoint' || a === '-r') endpoint = argv[++i] ?? '';
    else if (a.startsWith('--runtime-endpoint=')) endpoint = a.slice('--runtime-endpoint='.length);
    else rest.push(a);
  }
  const [command, ...args] = rest;
  if (!endpoint.startsWith('unix://')) throw new Error('set --runtime-endpoint unix:///path/to/shim.sock (or CONTAINER_RUNTIME_ENDPOINT)');
  const opts = { hop: 'crictl', timeoutMs: 10_000 };
  const rt = new RemoteRuntimeService(endpoint, opts);
  const images = new RemoteImageService(endpoint, opts);
  try {
    switch (command) {
      case 'version': {
        const v = await rt.version();
        console.log(`Version:  ${v.version}\nRuntimeName:  ${v.runtime_name}\nRuntimeVersion:  ${v.runtime_version}\nRuntimeApiVersion:  ${v.runtime_api_version}`);
        return 0;
      }
      case 'ps': {
        const all = args.includes('-a') || args.includes('--all');
        const name = args.find((a) => a.startsWith('--name='))?.slice(7);
        const state = args.find((a) => a.startsWith('--state='))?.slice(8);
        const label = Object.fromEntries(args.filter((a) => a.startsWith('--label=')).map((a) => a.slice(8).split('=', 2) as [string, string]));
        const filter = { label_selector: label, ...(state ? { state: { state: STATES[state.toLowerCase()] ?? 'CONTAINER_UNKNOWN' } } : all ? {} : { state: { state: 'CONTAINER_RUNNING' as const } }) };
        const pods = new Map((await rt.listPodSandbox()).map((p) => [p.id, p.metadata?.name ?? '']));
        const containers = (await rt.listContainers(filter)).filter((c) => !name || (c.metadata?.name ?? '').includes(name));
        if (args.includes('-q') || args.includes('--quiet')) { for (const c of containers) console.log(c.id); return 0; }
        console.log(table([['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID', 'POD'],
          ...containers.map((c) => [c.id.slice(0, 13), c.image?.image ?? '', ago(c.created_at), SHOW_STATE[c.state], c.metadata?.name ?? '', String(c.metadata?.attempt ?? 0), c.pod_sandbox_id.slice(0, 13), pods.get(c.pod_sandbox_id) ?? ''])]));
        return 0;
      }
      case 'pods': {
        const pods = await rt.listPodSandbox();
        if (args.includes('-q') || args.includes('--quiet')) { for (const p of pods) console.log(p.id); return 0; }
        console.log(table([['POD ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT'],
          ...pods.map((p) => [p.id.slice(0, 13), ago(p.created_at), p.state === 'SANDBOX_READY' ? 'Ready' : 'NotReady', p.metadata?.name ?? '', p.metadata?.namespace ?? '', String(p.metadata?.attempt ?? 0)])]));
        return 0;
      }
      case 'images': {
        const list = await images.listImages();
        console.log(table([['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'],
          ...list.map((i) => { const [repo, tag] = (i.repo_tags[0] ?? ':').split(/:(?=[^:]*$)/); return [repo ?? '', tag ?? '', i.id.replace(/^sha256:/, '').slice(0, 13), `${(Number(i.size) / 1e6).toFixed(1)}MB`]; })]));
        return 0;
      }
      case 'exec':
        return await exec(rt, args);
      default:
        throw new Error(`unknown command ${JSON.stringify(command ?? '')}: try version, ps [-a] [-q] [--name=N], pods, images, exec [--sync] [--show-url] ID -- CMD`);
    }
  } finally {
    rt.close();
    images.close();
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  // crictl's own words for a failed call: "FATA[0000] execing command in container synchronously: rpc error: ..."
  const msg = err instanceof CriError ? err.message.replace(/^crictl: /, '') : (err as Error).message;
  console.error(`crictl: ${msg}`);
  process.exitCode = 1;
});
