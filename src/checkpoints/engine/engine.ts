// Chapter 6's container engine (docker-node-1, docker-node-2): the Docker Engine API over real containers where the
// machine allows them (root, namespaces, an overlay root), host processes where it does not.
import { createNamespaceBackend } from '../../engine/linux/backend.ts';
import { namespaceSupport } from '../../engine/linux/support.ts';
import { runEngine } from '../../engine/run-engine.ts';

await runEngine({
  namespaces: async ({ root, log }) => {
    const support = namespaceSupport();
    return support.ok ? { backend: createNamespaceBackend({ root, log }) } : { unavailable: support.reason };
  },
});
