// kubectl run: build a one-container Pod from flags and POST it, with the very body real kubectl sends (kubectl/pkg/cmd/run/run.go, generate/versioned/run.go).
import type { Container, Pod } from '../../api/types.ts';
import { Accept } from '../../client/rest-client.ts';
import type { ParsedArgs } from '../args.ts';
import { bool, list, str } from '../args.ts';
import { validateName } from '../discovery.ts';
import { CmdError } from '../errors.ts';
import type { Factory } from '../factory.ts';

const restartPolicies = ['Always', 'OnFailure', 'Never'] as const;

// "a=b,c=d" → {a: "b", c: "d"} (kubectl's ParseLabels for --labels).
export function parseLabels(spec: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new CmdError(`invalid label spec: ${part}`);
    labels[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return labels;
}

// #region build-pod
// Key order matters to a reader comparing -v=8 logs: it is the order of kubectl's Go structs.
export function buildPod(name: string, p: ParsedArgs, dashArgs: string[] = []): Pod {
  const image = str(p, 'image');
  if (!image) throw new CmdError('required flag(s) "image" not set');
  const restart = str(p, 'restart') ?? 'Always';
  if (!(restartPolicies as readonly string[]).includes(restart)) throw new CmdError(`invalid restart policy: ${restart}`);
  const container: Container = { name, image };
  if (dashArgs.length > 0) {
    // With --command the words replace the image's entrypoint; without, they are its arguments.
    if (bool(p, 'command')) container.command = dashArgs;
    else container.args = dashArgs;
  }
  const port = str(p, 'port');
  if (port !== undefined && port !== '') {
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new CmdError(`invalid port: ${port}`);
    container.ports = [{ containerPort: Number(port) }];
  }
  const env = list(p, 'env');
  if (env.length > 0) {
    container.env = env.map((e) => {
      const eq = e.indexOf('=');
      if (eq <= 0) throw new CmdError(`invalid env: ${e}`);
      return { name: e.slice(0, eq), value: e.slice(eq + 1) };
    });
  }
  container.resources = {};
  const labels = str(p, 'labels') ? parseLabels(str(p, 'labels')!) : { run: name };
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name, creationTimestamp: null, labels },
    spec: { containers: [container], restartPolicy: restart as Pod['spec']['restartPolicy'], dnsPolicy: 'ClusterFirst' },
    status: {},
  };
}
// #endregion build-pod

export async function runRun(f: Factory): Promise<void> {
  const p = f.args;
  const [name, ...extra] = p.positionals;
  // cobra checks the required flag before the command looks at its arguments.
  if (!str(p, 'image')) throw new CmdError('required flag(s) "image" not set');
  if (!name) throw new CmdError('NAME is required for run', 1, "See 'kubectl run -h' for help and examples");
  validateName(name);
  // Words after NAME without "--" are the container's arguments too (run NAME --image=x -- a b is the usual form).
  const pod = buildPod(name, p, [...extra, ...(p.dashArgs ?? [])]);
  const namespace = f.namespace();
  const created = await f.client().json<Pod>({
    method: 'POST',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    query: { fieldManager: 'kubectl-run' },
    accept: Accept.jsonAny,
    body: pod,
    source: 'helper.go:246',
  });
  f.streams.out.write(`pod/${created.metadata?.name ?? name} created\n`);
}
