// kubectl version: our client's version, then the server's from /version (kubectl/pkg/cmd/version/version.go).
import { workbookVersion } from '../../client/rest-client.ts';
import { bool, str } from '../args.ts';
import { CmdError } from '../errors.ts';
import type { Factory } from '../factory.ts';
import { printJSON, printYAML } from '../printers/output.ts';

export interface VersionInfo { major: string; minor: string; gitVersion: string; [k: string]: string }

export const clientVersion: VersionInfo = {
  major: '1', minor: '32', gitVersion: workbookVersion, gitCommit: 'workbook', gitTreeState: 'clean',
  buildDate: '', goVersion: '', compiler: 'tsx', platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export async function runVersion(f: Factory): Promise<void> {
  const output = str(f.args, 'output') ?? '';
  if (output !== '' && output !== 'json' && output !== 'yaml') throw new CmdError(`--output must be 'yaml' or 'json'`);
  let server: VersionInfo | undefined;
  if (!bool(f.args, 'client')) {
    server = await f.client().json<VersionInfo>({ path: '/version', query: { timeout: '32s' }, source: 'version.go:165' });
  }
  if (output) {
    const doc = { clientVersion, ...(server ? { serverVersion: server } : {}) };
    f.streams.out.write(output === 'json' ? printJSON(doc) : printYAML(doc));
    return;
  }
  f.streams.out.write(`Client Version: ${clientVersion.gitVersion}\n`);
  if (server) f.streams.out.write(`Server Version: ${server.gitVersion}\n`);
}
