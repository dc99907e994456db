// kubectl describe: read the objects, then what a reader wants beside them (events; for a node its Lease and pods),
// and print them in kubectl's layout (kubectl/pkg/cmd/describe/describe.go, describe.DescriberFor).
import { StatusError } from '../../api/status.ts';
import type { Event, Lease, List, Node, Pod } from '../../api/types.ts';
import type { RESTClient } from '../../client/rest-client.ts';
import { collectionPath, discoverCoreResources, objectPath, resolveResource } from '../discovery.ts';
import { CmdError } from '../errors.ts';
import type { Factory } from '../factory.ts';
import { describeNode, type LeaseLookup } from '../describe/node.ts';
import { describePod } from '../describe/pod.ts';
import { parseGetTargets } from './get.ts';

// searchEvents: the core/v1 events about one object, chunked like kubectl's (limit 500).
async function searchEvents(client: RESTClient, kind: string, namespace: string, name: string, uid: string): Promise<Event[] | undefined> {
  const fieldSelector = `involvedObject.name=${name},involvedObject.namespace=${namespace},involvedObject.kind=${kind},involvedObject.uid=${uid}`;
  const path = namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/events` : '/api/v1/events';
  // As kubectl: a failed search prints no Events section rather than failing the describe.
  return client.get<List<Event>>(path, { fieldSelector, limit: 500 }).then((l) => l.items ?? [], () => undefined);
}

async function leaseOf(client: RESTClient, node: string): Promise<LeaseLookup> {
  try {
    return { lease: await client.get<Lease>(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${encodeURIComponent(node)}`) };
  } catch (err) {
    return { error: err instanceof StatusError ? err.status.message ?? String(err) : (err as Error).message };
  }
}

export async function runDescribe(f: Factory): Promise<void> {
  if (f.args.positionals.length === 0) throw new CmdError('You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.');
  const { type, names } = parseGetTargets(f.args.positionals);
  const client = f.client();
  const resource = resolveResource(await discoverCoreResources(client), type);
  if (resource.kind !== 'Pod' && resource.kind !== 'Node') throw new CmdError(`this kubectl describes pods and nodes only, not ${resource.name}`);
  const namespace = resource.namespaced ? f.namespace() : undefined;
  const objects: (Pod | Node)[] = [];
  if (names.length) {
    for (const name of names) objects.push(await client.get<Pod | Node>(objectPath(resource, namespace, name)));
  } else {
    objects.push(...(await client.get<List<Pod | Node>>(collectionPath(resource, namespace))).items);
    if (objects.length === 0) {
      f.streams.err.write(resource.namespaced ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
      return;
    }
  }
  const texts: string[] = [];
  for (const obj of objects) {
    const { name = '', uid = '' } = obj.metadata;
    if (resource.kind === 'Pod') {
      texts.push(describePod(obj as Pod, await searchEvents(client, 'Pod', obj.metadata.namespace ?? '', name, uid)));
    } else {
      const pods = await client.get<List<Pod>>('/api/v1/pods', { fieldSelector: `spec.nodeName=${name},status.phase!=Failed,status.phase!=Succeeded`, limit: 500 })
        .then((l) => l.items, () => undefined);
      texts.push(describeNode(obj as Node, await leaseOf(client, name), pods, await searchEvents(client, 'Node', '', name, uid)));
    }
  }
  f.streams.out.write(texts.join('\n\n'));
}
