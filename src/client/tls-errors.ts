// A failed TLS handshake in Go's words (crypto/tls, crypto/x509 errors as client-go and the API server print them),
// from Node's verification codes. Pure.
import { isIP } from 'node:net';

// Node's verification codes, in Go's words ("tls: failed to verify certificate: x509: ..."), or undefined
// for an error that is not about the peer's certificate.
export function describeTLSError(err: NodeJS.ErrnoException, host: string): string | undefined {
  const verify = (why: string) => `tls: failed to verify certificate: x509: ${why}`;
  switch (err.code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_SIGNATURE_FAILURE':
      return verify('certificate signed by unknown authority');
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return verify('certificate has expired or is not yet valid');
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      // Node: "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: 127.0.0.2"
      // Go's HostnameError lists the certificate's IP SANs for an IP host, its DNS names for a name.
      const cert = (err as { cert?: { subjectaltname?: string } }).cert;
      const kind = isIP(host) ? 'IP Address:' : 'DNS:';
      const names = (cert?.subjectaltname ?? '').split(', ').filter((n) => n.startsWith(kind)).map((n) => n.slice(kind.length));
      return names.length ? verify(`certificate is valid for ${names.join(', ')}, not ${host}`) : verify(`certificate is not valid for any names, but wanted to match ${host}`);
    }
  }
  // The peer refused us (our certificate, or none): Go reads the alert, "remote error: tls: ...".
  const alert = /alert (bad certificate|certificate required|unknown ca|handshake failure)/i.exec(err.message);
  if (alert) return `remote error: tls: ${alert[1]!.toLowerCase()}`;
  return undefined;
}
