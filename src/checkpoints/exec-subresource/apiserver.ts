// Chapter 2's API server: chapter 1's, plus the subresource map with pods/exec served on this host (LocalExecBackend).
import { LocalExecBackend } from '../../apiserver/exec/local.ts';
import { execSubresource } from '../../apiserver/exec/rest.ts';
import { runAPIServer } from '../../apiserver/run.ts';
import { plannedSubresources } from '../../apiserver/subresources.ts';

await runAPIServer({
  subresources: {
    ...plannedSubresources(),
    'pods/exec': execSubresource((api) => new LocalExecBackend({ stateDir: api.stateDir, log: api.log, pods: api.pods })),
  },
});
