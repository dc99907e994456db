// The request headers that carry a client's credentials, and a header list without them: what kube-apiserver's
// WithAuthentication and WithImpersonation filters delete once they have used them (k8s.io/apiserver/pkg/endpoints/filters).
// Pure: header names in, header names out.

// Authorization: WithAuthentication deletes it after a successful authentication ("not required anymore").
// Impersonate-User, -Group, -Uid, -Extra-*: WithImpersonation deletes them once it has switched the user.
// Proxy-Authorization: credentials for a proxy in front of this server, never for the next hop (RFC 9110 §11.7.4).
// Cookie: whatever a browser keeps for the API server's origin; no hop behind the API server reads it.
const CREDENTIALS = new Set(['authorization', 'proxy-authorization', 'cookie', 'impersonate-user', 'impersonate-group', 'impersonate-uid']);
const CREDENTIAL_PREFIXES = ['impersonate-extra-'];

export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return CREDENTIALS.has(lower) || CREDENTIAL_PREFIXES.some((p) => lower.startsWith(p));
}

// Node's flat rawHeaders list ([name, value, name, value...]) without the credential pairs, order kept.
export function withoutCredentials(rawHeaders: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (!isCredentialHeader(rawHeaders[i]!)) kept.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  }
  return kept;
}
