// Field selectors: `metadata.name=x,spec.nodeName!=` matched against the fields a strategy exposes (k8s.io/apimachinery/pkg/fields/selector.go).
import { badRequest } from '../../api/status.ts';

export interface FieldRequirement { field: string; operator: '=' | '!='; value: string }

// Parses the selector and rejects fields the resource does not index, with the real server's message.
export function parseFieldSelector(selector: string | null | undefined, supported: readonly string[]): FieldRequirement[] {
  if (!selector || !selector.trim()) return [];
  return splitTerms(selector).map((term) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = m[1].trim();
    if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, operator: m[2] === '!=' ? '!=' : '=', value: unescape(m[3].trim()) };
  });
}

export function matchesFields(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  return reqs.every(({ field, operator, value }) => (operator === '=') === ((fields[field] ?? '') === value));
}

// Terms are comma-separated; a backslash escapes ',', '=' and '\' inside values (fields.EscapeValue).
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) { cur += s[i] + s[i + 1]; i++; continue; }
    if (s[i] === ',') { out.push(cur); cur = ''; continue; }
    cur += s[i];
  }
  out.push(cur);
  return out.filter((t) => t.trim() !== '');
}

function unescape(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}
