// The audit policy the workbook's API server uses when none is given (upstream has no default: without
// --audit-policy-file nothing is audited). Written as a Policy so `--audit-policy-file` can replace it whole.
import type { Policy } from './policy.ts';

// #region default-audit-policy
export const defaultAuditPolicy: Policy = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  rules: [
    // The streaming subresources: who opened a session into which pod, when, and how it ended.
    { level: 'Metadata', resources: [{ group: '', resources: ['pods/exec', 'pods/attach', 'pods/portforward'] }] },
    // The kubelets' heartbeats and the scheduler's polls would drown everything else.
    { level: 'None', resources: [{ group: 'coordination.k8s.io', resources: ['leases'] }] },
    { level: 'None', verbs: ['get', 'list', 'watch'] },
    { level: 'None', resources: [{ group: '', resources: ['nodes/status', 'pods/status'] }] },
    // Every other change, who made it, without the objects.
    { level: 'Metadata', omitStages: ['RequestReceived'] },
  ],
};
// #endregion default-audit-policy
