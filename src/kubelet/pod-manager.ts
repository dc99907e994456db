// The kubelet's record of the pods bound to its node, by namespace/name (pkg/kubelet/pod/pod_manager.go).
import type { Pod } from '../api/types.ts';

export class PodManager {
  private readonly byName = new Map<string, Pod>();

  private static key(namespace: string, name: string): string { return `${namespace}/${name}`; }

  getPodByName(namespace: string, name: string): Pod | undefined {
    return this.byName.get(PodManager.key(namespace, name));
  }

  // Returns the pod it replaces, if any.
  addOrUpdate(pod: Pod): Pod | undefined {
    const key = PodManager.key(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '');
    const old = this.byName.get(key);
    this.byName.set(key, pod);
    return old;
  }

  remove(pod: Pod): Pod | undefined {
    const key = PodManager.key(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '');
    const old = this.byName.get(key);
    if (old && (!pod.metadata.uid || old.metadata.uid === pod.metadata.uid)) this.byName.delete(key);
    return old;
  }

  pods(): Pod[] { return [...this.byName.values()]; }
}
