// Admission: what a request is (Attributes) and what a plugin may do with it (k8s.io/apiserver/pkg/admission
// interfaces.go and attributes.go: Attributes, Operation, MutationInterface, ValidationInterface, chainAdmissionHandler).
import type { UserInfo } from '../request-context.ts';

// #region admission-interfaces
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

// admission.Attributes (NewAttributesRecord): for CONNECT the object is the options (PodExecOptions), the
// resource the parent ("pods") and the subresource the verb of the connection ("exec").
export interface Attributes {
  operation: Operation;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subresource: string;
  namespace: string;
  name: string;
  object: unknown;
  // Who the request acts as (after impersonation); absent where no authentication ran.
  userInfo?: UserInfo;
}

// A plugin says which operations it cares about; a mutating plugin may change the object (Admit), a validating
// one may only refuse (Validate). Refusing is throwing, usually admissionForbidden (errors.ts).
export interface AdmissionPlugin {
  readonly name: string;
  handles(op: Operation): boolean;
  admit?(a: Attributes): Promise<void>;
  validate?(a: Attributes): Promise<void>;
}
// #endregion admission-interfaces

// #region admission-chain
// chainAdmissionHandler: every mutating plugin in order, then every validating one; the first refusal wins.
export class AdmissionChain {
  constructor(readonly plugins: AdmissionPlugin[]) {}

  handles(op: Operation): boolean { return this.plugins.some((p) => p.handles(op)); }

  async admit(a: Attributes): Promise<void> {
    for (const p of this.plugins) if (p.admit && p.handles(a.operation)) await p.admit(a);
  }

  async validate(a: Attributes): Promise<void> {
    for (const p of this.plugins) if (p.validate && p.handles(a.operation)) await p.validate(a);
  }
}
// #endregion admission-chain
