// Chapter 3's API server: pods/status, pods/binding and nodes/status for the kubelets and the scheduler, and
// pods/exec through ExecLocation and the upgrade-aware proxy to the pod's kubelet (or, with
// --exec-backend=local, chapter 2's stand-in that runs the command on the API server's host).
import { parseArgs } from 'node:util';
import type { NodeAddress } from '../../api/types.ts';
import type { ExecBackend } from '../../apiserver/exec/backend.ts';
import { KubeletExecBackend, defaultPreferredAddressTypes } from '../../apiserver/exec/kubelet.ts';
import { LocalExecBackend } from '../../apiserver/exec/local.ts';
import { execSubresource } from '../../apiserver/exec/rest.ts';
import { podBindingSubresource } from '../../apiserver/registry/binding.ts';
import { nodeStatusSubresource, podStatusSubresource } from '../../apiserver/registry/status.ts';
import { runAPIServer } from '../../apiserver/run.ts';
import { plannedSubresources, type APIContext } from '../../apiserver/subresources.ts';

// This entry's own flags; the rest go to runAPIServer, which refuses flags it does not know.
const own = ['exec-backend', 'kubelet-preferred-address-types'];
const argv = process.argv.slice(2);
const mine = argv.filter((a) => own.some((f) => a.startsWith(`--${f}=`)));
const { values } = parseArgs({ args: mine, options: Object.fromEntries(own.map((f) => [f, { type: 'string' as const }])), strict: true });

const backendKind = values['exec-backend'] ?? 'kubelet';
if (backendKind !== 'kubelet' && backendKind !== 'local') throw new Error(`--exec-backend: "${backendKind}" is not one of kubelet, local`);
// Node names here ("node-1") do not resolve, so InternalIP comes first, as many kubeadm clusters configure it.
const preferred = (values['kubelet-preferred-address-types'] ?? 'InternalIP,Hostname,InternalDNS,ExternalDNS,ExternalIP')
  .split(',').map((t) => t.trim()) as NodeAddress['type'][];
for (const t of preferred) if (!defaultPreferredAddressTypes.includes(t)) throw new Error(`--kubelet-preferred-address-types: unknown address type ${t}`);

// #region exec-backend-choice
const execBackend = (api: APIContext): ExecBackend => backendKind === 'local'
  ? new LocalExecBackend({ stateDir: api.stateDir, log: api.log, pods: api.pods })
  : new KubeletExecBackend({ getNode: (name) => api.nodes.get(undefined, name), preferredAddressTypes: preferred, log: api.log });

await runAPIServer({
  subresources: {
    ...plannedSubresources(),
    'pods/status': podStatusSubresource,
    'pods/binding': podBindingSubresource,
    'nodes/status': nodeStatusSubresource,
    'pods/exec': execSubresource(execBackend),
  },
}, argv.filter((a) => !mine.includes(a)));
// #endregion exec-backend-choice
