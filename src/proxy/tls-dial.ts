// Dials a backend over TLS: verifies its certificate against the given CA and presents a client certificate
// (apimachinery pkg/util/proxy/dial.go DialURL with the transport's TLSClientConfig); a failed handshake is worded
// as Go's crypto/tls and crypto/x509 do (client/tls-errors.ts), so the error a reader sees is the real API server's.
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { describeTLSError } from '../client/tls-errors.ts';

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
