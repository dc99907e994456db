// pods/binding: the scheduler's one write, setting spec.nodeName exactly once (pkg/registry/core/pod/storage/storage.go, BindingREST, setPodHostAndAnnotations).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, conflict, invalid, methodNotAllowed } from '../../api/status.ts';
import type { Binding, Pod, PodCondition } from '../../api/types.ts';
import { decodeBody, writeJSON } from '../handlers/http.ts';
import type { Subresource, SubresourceFactory, SubresourceRequest } from '../subresources.ts';
import type { Store } from './store.ts';
import { timestamp } from './store.ts';
import { notSupported, required } from './validation.ts';

export class BindingREST implements Subresource {
  readonly kind = 'Binding';
  readonly verbs = ['create'];
  constructor(private readonly pods: Store<Pod>) {}

  async serve(req: IncomingMessage, res: ServerResponse, { namespace, name }: SubresourceRequest): Promise<void> {
    if (req.method !== 'POST') throw methodNotAllowed();
    const binding = await decodeBody(req, 'Binding') as unknown as Binding;
    if (binding.metadata.name !== name) throw badRequest('name in URL does not match name in Binding object');
    if (binding.metadata.namespace && binding.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const target = binding.target ?? { name: '' };
    const errs = [];
    if (!target.name) errs.push(required('target.name'));
    if (target.kind && target.kind !== 'Node') errs.push(notSupported('target.kind', target.kind, ['Node']));
    if (errs.length) throw invalid('Binding', name, errs);

    await this.pods.guaranteedUpdate(namespace, name, (pod) => {
      // Not a Status: the registry wraps it as a Conflict on pods/binding, as the real BindingREST does.
      const refuse = (why: string) => conflict('pods/binding', name, why);
      if (binding.metadata.uid && binding.metadata.uid !== pod.metadata.uid) {
        throw refuse(`Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata.uid}`);
      }
      if (pod.metadata.deletionTimestamp) throw refuse(`pod ${name} is being deleted, cannot be assigned to a host`);
      if (pod.spec.nodeName) throw refuse(`pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
      pod.spec.nodeName = target.name;
      if (binding.metadata.annotations) pod.metadata.annotations = { ...pod.metadata.annotations, ...binding.metadata.annotations };
      setCondition(pod, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp() });
      return pod;
    });
    writeJSON(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }
}

function setCondition(pod: Pod, cond: PodCondition): void {
  const status = (pod.status ??= {});
  const list = (status.conditions ??= []);
  const i = list.findIndex((c) => c.type === cond.type);
  if (i < 0) list.push(cond);
  else if (list[i].status !== cond.status) list[i] = cond;
}

export const podBindingSubresource: SubresourceFactory = (api) => new BindingREST(api.pods);
