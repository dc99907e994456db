// Dials a backend over TLS: verifies its certificate against the given CA and presents a client certificate
// (apimachinery pkg/util/proxy/dial.go DialURL with the transport's TLSClientConfig), and words a failed
// handshake as Go's crypto/tls and crypto/x509 do, so the error a reader sees is the real API server's.
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';

// #region tls-client-config
// rest.TLSClientConfig, as far as a dialer needs it: PEM trust roots and the client's certificate and key.
export interface TLSClientConfig {
  ca?: string | Buffer;     // absent: the system's roots (Go: nil RootCAs)
  cert?: string | Buffer;
  key?: string | Buffer;
  serverName?: string;      // tls-server-name: the name to verify instead of the URL's host
  insecure?: boolean;       // insecure-skip-tls-verify
}

// A dialer for the proxy's `dial` seam: https: URLs only. The proxy waits for 'secureConnect', so a
// handshake that fails (a Node whose address points at some other server) fails the dial and no
// request byte reaches that server.
export function tlsDialer(config: TLSClientConfig): (location: URL) => TLSSocket {
  return (location) => {
    if (location.protocol !== 'https:') throw Object.assign(new Error(`unsupported scheme ${location.protocol}`), { code: 'EPROTO' });
    const host = location.hostname.replace(/^\[|\]$/g, '');
    const servername = config.serverName ?? host;
    const socket = tlsConnect({
      host,
      port: Number(location.port || 443),
      ca: config.ca,
      cert: config.cert,
      key: config.key,
      rejectUnauthorized: !config.insecure,
      // SNI carries names only; an IP is still checked against the certificate's IP SANs.
      servername: isIP(servername) ? undefined : servername,
      ALPNProtocols: ['http/1.1'],
    });
    // The proxy reports a failed dial with the error's `dialError` when it has one (upgrade-aware.ts describeDialError).
    socket.prependListener('error', (err: NodeJS.ErrnoException) => {
      const words = describeTLSError(err, host);
      if (words) Object.assign(err, { dialError: words });
    });
    return socket;
  };
}
// #endregion tls-client-config

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
