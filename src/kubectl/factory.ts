// What every command needs: the resolved kubeconfig, a REST client, the namespace, the logger and the streams (kubectl/pkg/cmd/util/factory.go).
import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../client/klog.ts';
import type { ClientConfig } from '../client/kubeconfig.ts';
import { loadClientConfig } from '../client/kubeconfig.ts';
import { RESTClient } from '../client/rest-client.ts';
import { Source } from '../client/round-trippers.ts';
import type { ParsedArgs } from './args.ts';
import { bool, str } from './args.ts';

export interface IOStreams { in: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }; out: Writable; err: Writable }

export class Factory {
  private cfg?: ClientConfig;
  private rest?: RESTClient;
  readonly session = randomUUID();

  constructor(
    readonly args: ParsedArgs,
    readonly logger: Logger,
    readonly streams: IOStreams,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  config(): ClientConfig {
    if (!this.cfg) {
      this.cfg = loadClientConfig({
        kubeconfig: str(this.args, 'kubeconfig'),
        context: str(this.args, 'context'),
        cluster: str(this.args, 'cluster'),
        user: str(this.args, 'user'),
        server: str(this.args, 'server'),
        token: str(this.args, 'token'),
        namespace: str(this.args, 'namespace'),
        insecureSkipTLSVerify: this.args.flags['insecure-skip-tls-verify'] === undefined ? undefined : bool(this.args, 'insecure-skip-tls-verify'),
        env: this.env,
      });
      for (const f of this.cfg.loadedFiles) this.logger.info(6, Source.configLoaded, `Config loaded from file:  ${f}`);
    }
    return this.cfg;
  }

  client(): RESTClient {
    this.rest ??= RESTClient.fromConfig(this.config(), {
      logger: this.logger,
      // Sent like kubectl's, but kept out of the -v=7 log as kubectl keeps them out of its own.
      headers: { 'Kubectl-Command': `kubectl ${this.args.command ?? ''}`.trim(), 'Kubectl-Session': this.session },
    });
    return this.rest;
  }

  // -n wins, then the context's namespace, then "default".
  namespace(): string { return this.config().namespace; }
}
