// Who a verified client certificate names: user = CommonName, groups = each Organization
// (k8s.io/apiserver/pkg/authentication/request/x509/x509.go, CommonNameUserConversion).
import type { TLSSocket, PeerCertificate } from 'node:tls';

export interface CertificateUser { name: string; groups: string[] }

// #region common-name-user
// The user a connection's client certificate names, if it presented one that chains to the trusted CA
// (Node checked it during the handshake against the server's `ca`: socket.authorized). A certificate that
// does not chain names nobody; the kubelet then fails the request (401) unless a token names someone, even with
// anonymous requests on, as upstream's x509 authenticator does.
export function certificateUser(socket: TLSSocket): CertificateUser | undefined {
  if (!socket.authorized) return undefined;
  const peer = socket.getPeerCertificate();
  return userFromCertificate(peer);
}

export function userFromCertificate(peer: PeerCertificate | undefined): CertificateUser | undefined {
  const cn = peer?.subject?.CN;
  // x509.go's CommonNameUserConversion: no common name, no user (not an error: the next authenticator may answer).
  if (!cn || Array.isArray(cn)) return undefined;
  const o = peer.subject.O as string | string[] | undefined;
  return { name: cn, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}
// #endregion common-name-user

// Why a presented certificate was not accepted, for logs: Node's verification error, such as
// "unable to verify the first certificate" or "self-signed certificate".
export function certificateRejection(socket: TLSSocket): string | undefined {
  if (socket.authorized || !socket.getPeerCertificate()?.raw) return undefined;   // accepted, or none presented
  const err = socket.authorizationError;
  return err ? String(err instanceof Error ? err.message : err) : undefined;
}
