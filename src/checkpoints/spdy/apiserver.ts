// Chapter 8's API server, in upstream's shape since 1.30 (translatinghandler.go behind TranslateStreamCloseWebsocketRequests):
// a v5.channel.k8s.io WebSocket ends here and the StreamTranslator speaks SPDY to the kubelet; SPDY from kubectl 1.27–1.29
// (or KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false) and older WebSocket protocols pass through the upgrade-aware proxy unchanged.
import type { NodeAddress } from '../../api/types.ts';
import { execSubresource } from '../../apiserver/exec/rest.ts';
import { TranslatingExecBackend } from '../../apiserver/exec/translating-backend.ts';
import { podBindingSubresource } from '../../apiserver/registry/binding.ts';
import { nodeStatusSubresource, podStatusSubresource } from '../../apiserver/registry/status.ts';
import { runAPIServer } from '../../apiserver/run.ts';
import { plannedSubresources } from '../../apiserver/subresources.ts';
import { spdyLostStreamWatchFor } from '../../proxy/spdy-lost-stream.ts';

// #region spdy-apiserver
await runAPIServer({
  subresources: {
    ...plannedSubresources(),
    'pods/status': podStatusSubresource,
    'pods/binding': podBindingSubresource,
    'nodes/status': nodeStatusSubresource,
    'pods/exec': execSubresource((api) => new TranslatingExecBackend({
      getNode: (name) => api.nodes.get(undefined, name),
      // Our node names do not resolve, so InternalIP first, as chapter 3's API server does.
      preferredAddressTypes: ['InternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS', 'ExternalIP'] as NodeAddress['type'][],
      log: api.log,
      // SPDY passed through: a kubelet lost mid-stream is reported on the error stream (the translator reports its own).
      proxy: { lostStreamWatch: spdyLostStreamWatchFor },
    })),
  },
});
// #endregion spdy-apiserver
