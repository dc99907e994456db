// Chapter 8's exec backend: a WebSocket that offers v5 goes to the StreamTranslator, everything else (SPDY, older
// WebSocket protocols) through the upgrade-aware proxy as before (apiserver pkg/util/proxy/translatinghandler.go,
// pkg/registry/core/pod/rest/subresources.go under the TranslateStreamCloseWebsocketRequests gate).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Pod } from '../../api/types.ts';
import { parseProtocolHeader } from '../../remotecommand/protocols.ts';
import type { ExecBackend, PodExecOptions } from './backend.ts';
import { KubeletExecBackend, type KubeletExecBackendOptions } from './kubelet.ts';
import { StreamTranslator, type StreamTranslatorOptions } from './stream-translator.ts';

// The kubelet backend's options (getNode, address types, proxy, log) plus the translator's own (dial, tls, pings).
export type TranslatingExecBackendOptions = KubeletExecBackendOptions & Omit<StreamTranslatorOptions, keyof KubeletExecBackendOptions>;

// #region should-translate
// wsstream.IsWebSocketRequestWithStreamCloseProtocol: an upgrade to websocket offering v5.channel.k8s.io, the only
// protocol whose half-close (stdin EOF) the translator can carry. kubectl 1.30+ offers exactly that.
export function shouldTranslate(req: IncomingMessage): boolean {
  const connection = String(req.headers.connection ?? '').toLowerCase();
  if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || !connection.includes('upgrade')) return false;
  return parseProtocolHeader(req.headers['sec-websocket-protocol']).includes('v5.channel.k8s.io');
}
// #endregion should-translate

// #region translating-handler
export class TranslatingExecBackend implements ExecBackend {
  private readonly delegate: KubeletExecBackend;
  private readonly translator: StreamTranslator;

  constructor(opts: TranslatingExecBackendOptions) {
    this.delegate = new KubeletExecBackend(opts);
    // Both ways reach the kubelet the same way: the proxy's dial (chapter 9's TLS) unless the translator has its own.
    this.translator = new StreamTranslator({ ...opts, dial: opts.dial ?? opts.proxy?.dial });
  }

  connect(req: IncomingMessage, socket: Duplex, head: Buffer, pod: Pod, options: PodExecOptions): Promise<void> {
    // (Each one logs which way the exec went.)
    return (shouldTranslate(req) ? this.translator : this.delegate).connect(req, socket, head, pod, options);
  }
}
// #endregion translating-handler
