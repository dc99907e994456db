// Static bearer tokens from --token-auth-file: a CSV of token,user,uid,"group1,group2"
// (k8s.io/apiserver/pkg/authentication/token/tokenfile/tokenfile.go, NewCSV) and the Authorization header that
// carries one (pkg/authentication/request/bearertoken/bearertoken.go).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../request-context.ts';
import type { Authenticator } from './authenticator.ts';

// One CSV record per line, fields split on commas outside double quotes ("" is a quote inside one), leading spaces
// trimmed, as Go's encoding/csv with TrimLeadingSpace. Lines starting with # are not records in our files either.
export function parseCSV(text: string): string[][] {
  const records: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields: string[] = [];
    let field = '', quoted = false, start = true;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (start && c === ' ') continue;
      if (start && c === '"') { quoted = true; start = false; continue; }
      start = false;
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
      } else if (c === ',') { fields.push(field); field = ''; start = true; } else field += c;
    }
    if (quoted) throw new Error(`token file: unterminated quoted field in line ${JSON.stringify(line.slice(0, 40))}`);
    fields.push(field);
    records.push(fields);
  }
  return records;
}

export class TokenFileAuthenticator {
  private readonly tokens = new Map<string, UserInfo>();

  constructor(csv: string, private readonly warn: (line: string) => void = () => {}) {
    parseCSV(csv).forEach((record, i) => {
      if (record.length < 3) throw new Error(`token file must have at least 3 columns (token, user name, user uid), found ${record.length}`);
      const [token, name, uid, groups] = record as [string, string, string, string?];
      if (!token) { this.warn(`empty token has been found in token file, line ${i + 1}`); return; }
      if (this.tokens.has(token)) this.warn(`duplicate token has been found in token file, line ${i + 1}`);
      this.tokens.set(token, { name, uid, groups: groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [] });
    });
  }

  authenticateToken(token: string): UserInfo | undefined {
    // Compared in constant time, so the time an answer takes says nothing about how close a guess was.
    const given = Buffer.from(token);
    for (const [known, user] of this.tokens) {
      const k = Buffer.from(known);
      if (k.length === given.length && timingSafeEqual(k, given)) return structuredClone(user);
    }
    return undefined;
  }
}

// bearertoken.Authenticator: "Authorization: Bearer <token>"; a token nobody knows is an error (401), not "no
// credential"; a request authenticated by it loses the header, so it never travels further (to a kubelet).
export class BearerTokenAuthenticator implements Authenticator {
  constructor(private readonly tokens: { authenticateToken(token: string): UserInfo | undefined }) {}

  async authenticateRequest(req: IncomingMessage): Promise<UserInfo | undefined> {
    const auth = (req.headers.authorization ?? '').trim();
    if (!auth) return undefined;
    const parts = auth.split(' ');
    if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined;
    const token = parts[1]!;
    if (!token) return undefined;
    const user = this.tokens.authenticateToken(token);
    if (!user) throw new Error('invalid bearer token');
    delete req.headers.authorization;
    return user;
  }
}
