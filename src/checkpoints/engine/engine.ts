// Chapter 6's container engine (docker-node-1, docker-node-2): the Docker Engine API over real containers where the
// machine allows them (root, namespaces), host processes where it does not.
import { existsSync } from 'node:fs';
import { createNamespaceBackend } from '../../engine/linux/backend.ts';
import { tools } from '../../engine/linux/init-script.ts';
import { runEngine } from '../../engine/run-engine.ts';

// What the namespaces backend needs of this machine, or why it cannot run here.
function namespacesUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync('/proc/self/ns/pid')) return 'no /proc/self/ns: a kernel without namespaces';
  if (!tools.busybox) return 'no static busybox (Debian: busybox-static)';
  if (!tools.nsenter) return 'no nsenter (util-linux)';
  return undefined;
}

await runEngine({
  namespaces: async ({ root, log }) => {
    const why = namespacesUnavailable();
    return why ? { unavailable: why } : { backend: createNamespaceBackend({ root, log }) };
  },
});
