// Where every walk starts: a healthy checkpoint (components the reader stopped started again, nodes Ready and
// schedulable) with no pods and no namespaces of its own, whatever the chapter's commands or an earlier walk left.
// Each change is said in one line, so the reader knows what the walk undid.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { $ } from 'zx';
import { controlSocketPath, sendControl } from '../../src/workbook/control.ts';
import { waitFor } from '../../src/util/wait.ts';

// The API server's own namespaces (src/apiserver/server.ts): everything else was made by someone.
const initialNamespaces = new Set(['default', 'kube-node-lease', 'kube-public', 'kube-system']);

interface Item { metadata: { name: string; namespace?: string }; spec?: { unschedulable?: boolean; nodeName?: string }; status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } }

async function kubectl(...args: string[]): Promise<string> {
  const out = await $({ nothrow: true, quiet: true, timeout: '90s' })`kubectl ${args}`;
  if (out.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${out.exitCode}: ${out.stderr.trim() || out.stdout.trim()}`);
  return out.stdout;
}
const items = async (...args: string[]): Promise<Item[]> => (JSON.parse(await kubectl('get', ...args, '-o', 'json')) as { items: Item[] }).items;
const say = (line: string) => console.log(`steps: ${line}`);

// Components stopped with `npm run component -- stop` are started again; ones the supervisor is restarting are awaited.
async function startStoppedComponents(stateDir: string): Promise<void> {
  const socket = controlSocketPath(stateDir);
  if (!existsSync(socket)) return; // a checkpoint without a supervisor's socket: nothing to heal here
  const list = async () => (await sendControl(socket, { op: 'list' })).components ?? [];
  for (const c of await list()) {
    if (c.state !== 'stopped') continue;
    say(`${c.name} was stopped (npm run component -- stop); starting it again: npm run component -- start ${c.name}`);
    const res = await sendControl(socket, { op: 'start', name: c.name });
    if (!res.ok) throw new Error(`could not start ${c.name}: ${res.message}`);
  }
  await waitFor(async () => (await list()).every((c) => c.state === 'running'), { timeoutMs: 60_000, intervalMs: 200, what: 'every component to run' })
    .catch(async () => {
      const down = (await list()).filter((c) => c.state !== 'running').map((c) => `${c.name} (${c.state}, ${c.restarts} restarts)`);
      throw new Error(`${down.join(', ')} will not stay up: read the checkpoint's terminal, or restart it (Ctrl-C there, then npm run chapter N)`);
    });
}

async function readyNodes(): Promise<void> {
  const notReady = (nodes: Item[]) => nodes.filter((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True');
  const nodes = await items('nodes');
  if (notReady(nodes).length) say(`waiting for ${notReady(nodes).map((n) => n.metadata.name).join(', ')} to turn Ready`);
  let last = nodes;
  await waitFor(async () => notReady(last = await items('nodes')).length === 0, { timeoutMs: 60_000, intervalMs: 250, what: 'every node Ready' })
    .catch(() => {
      const why = notReady(last).map((n) => {
        const c = n.status?.conditions?.find((x) => x.type === 'Ready');
        return `${n.metadata.name} is not Ready (${c?.status ?? 'no condition'}${c?.message ? `: ${c.message}` : ''})`;
      });
      throw new Error(`${why.join('; ')}. Check npm run component -- list, or restart the checkpoint (Ctrl-C in its terminal, then npm run chapter N)`);
    });
  const cordoned = last.filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name);
  if (cordoned.length) {
    say(`uncordoning ${cordoned.join(', ')}`);
    await kubectl('uncordon', ...cordoned);
  }
}

async function noObjectsLeft(): Promise<void> {
  const pods = await items('pods', '--all-namespaces');
  if (pods.length) {
    say(`deleting the pods left by earlier commands: ${pods.map((p) => (p.metadata.namespace === 'default' ? p.metadata.name : `${p.metadata.namespace}/${p.metadata.name}`)).join(', ')}`);
    const nodes = new Set((await items('nodes')).map((n) => n.metadata.name));
    const groups = new Map<string, { ns: string; force: boolean; names: string[] }>();
    for (const p of pods) {
      // A pod bound to a node that does not exist has no kubelet to confirm its deletion: remove it at once.
      const force = Boolean(p.spec?.nodeName && !nodes.has(p.spec.nodeName));
      const key = `${p.metadata.namespace}/${force}`;
      if (!groups.has(key)) groups.set(key, { ns: p.metadata.namespace!, force, names: [] });
      groups.get(key)!.names.push(p.metadata.name);
    }
    // --now: a grace period of 1 s; kubectl waits until each pod is gone (its kubelet confirms), so names are free again.
    for (const { ns, force, names } of groups.values()) {
      await kubectl('delete', 'pod', '-n', ns, ...(force ? ['--force', '--grace-period=0'] : ['--now']), '--ignore-not-found', ...names);
    }
  }
  const namespaces = (await items('namespaces')).map((n) => n.metadata.name).filter((n) => !initialNamespaces.has(n));
  if (namespaces.length) {
    say(`deleting the namespaces left by earlier commands: ${namespaces.join(', ')}`);
    await kubectl('delete', 'namespace', '--ignore-not-found', ...namespaces);
  }
}

export async function startFromKnownState(): Promise<void> {
  const kubeconfig = process.env.KUBECONFIG;
  if (!kubeconfig) throw new Error('KUBECONFIG is not set: run the walk with npm run steps N');
  await startStoppedComponents(dirname(kubeconfig));
  await readyNodes();
  await noObjectsLeft();
}
