// kubectl logs: find the container, then GET pods/{name}/log and copy the body to stdout as it arrives
// (kubectl/pkg/cmd/logs/logs.go, polymorphichelpers.logsForObject; the API server's pod LogREST answers).
import type { Pod } from '../../api/types.ts';
import { statusErrorFromResponse } from '../../client/errors.ts';
import { bool, num, str } from '../args.ts';
import { validateName } from '../discovery.ts';
import { CmdError } from '../errors.ts';
import type { Factory } from '../factory.ts';

// Until a chapter serves pods/log (chapter 10), the API server answers with a Status saying so, and kubectl prints it
// as it would any server error: the request is the real one either way.
export async function runLogs(f: Factory): Promise<void> {
  const [target, ...rest] = f.args.positionals;
  if (!target) throw new CmdError('expected \'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]\'.\nPOD or TYPE/NAME is a required argument for the logs command');
  const slash = target.indexOf('/');
  if (slash > 0 && !['pod', 'pods', 'po'].includes(target.slice(0, slash))) throw new CmdError(`this kubectl reads logs of pods only, not ${target.slice(0, slash)}`);
  const name = slash > 0 ? target.slice(slash + 1) : target;
  validateName(name);
  const namespace = f.namespace();
  const client = f.client();
  const podPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
  const pod = await client.get<Pod>(podPath);
  let container = str(f.args, 'container') ?? rest[0];
  if (!container) {
    container = pod.spec.containers[0]?.name ?? '';
    if (pod.spec.containers.length > 1) f.streams.err.write(`Defaulted container "${container}" out of: ${pod.spec.containers.map((c) => c.name).join(', ')}\n`);
  }
  const query: Record<string, string | number | boolean | undefined> = { container };
  if (bool(f.args, 'follow')) query.follow = true;
  if (bool(f.args, 'previous')) query.previous = true;
  if (bool(f.args, 'timestamps')) query.timestamps = true;
  if (f.args.flags.tail !== undefined && num(f.args, 'tail') >= 0) query.tailLines = num(f.args, 'tail');
  const { res } = await client.open({ path: `${podPath}/log`, query, accept: 'application/json, */*', timeoutMs: 0 });
  const code = res.statusCode ?? 0;
  if (code < 200 || code > 299) {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    throw statusErrorFromResponse(code, Buffer.concat(chunks));
  }
  for await (const chunk of res) if (!f.streams.out.write(chunk)) await new Promise((r) => f.streams.out.once('drain', r));
}
