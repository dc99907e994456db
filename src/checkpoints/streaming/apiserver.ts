// Chapter 5's API server: chapter 3's, plus the historical StreamingProxyRedirects mode. With
// --streaming-proxy-redirects=true the exec proxy follows a kubelet's 302 to the runtime's streaming server,
// to the same host only (ConnectWithRedirects with RequireSameHostRedirects; see src/streaming/redirect-policy.ts).
import type { NodeAddress } from '../../api/types.ts';
import { KubeletExecBackend } from '../../apiserver/exec/kubelet.ts';
import { execSubresource } from '../../apiserver/exec/rest.ts';
import { podBindingSubresource } from '../../apiserver/registry/binding.ts';
import { nodeStatusSubresource, podStatusSubresource } from '../../apiserver/registry/status.ts';
import { runAPIServer } from '../../apiserver/run.ts';
import { plannedSubresources } from '../../apiserver/subresources.ts';
import { connectWithRedirects } from '../../streaming/redirect-policy.ts';

const FLAG = '--streaming-proxy-redirects=';
const argv = process.argv.slice(2);
const redirects = argv.find((a) => a.startsWith(FLAG))?.slice(FLAG.length) ?? 'false';
if (redirects !== 'true' && redirects !== 'false') throw new Error(`${FLAG}: true or false, not ${redirects}`);


await runAPIServer({
  subresources: {
    ...plannedSubresources(),
    'pods/status': podStatusSubresource,
    'pods/binding': podBindingSubresource,
    'nodes/status': nodeStatusSubresource,
    'pods/exec': execSubresource((api) => new KubeletExecBackend({
      getNode: (name) => api.nodes.get(undefined, name),
      // Our node names do not resolve, so InternalIP first, as chapter 3's API server does.
      preferredAddressTypes: ['InternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS', 'ExternalIP'] as NodeAddress['type'][],
      proxy: redirects === 'true' ? { redirects: connectWithRedirects({ requireSameHostRedirects: true }) } : {},
      log: api.log,
    })),
  },
}, argv.filter((a) => !a.startsWith(FLAG)));
