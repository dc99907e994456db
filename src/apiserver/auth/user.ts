// The users and groups the API server itself names (k8s.io/apiserver/pkg/authentication/user/user.go).
export type { UserInfo } from '../request-context.ts';

export const Anonymous = 'system:anonymous';
export const AllUnauthenticated = 'system:unauthenticated';
export const AllAuthenticated = 'system:authenticated';
// Members are allowed everything, before any authorizer is asked (kube-apiserver's privileged-groups authorizer).
export const SystemPrivilegedGroup = 'system:masters';
