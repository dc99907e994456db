// Label selectors: parse `a=b,c!=d,e in (f,g),h notin (i),j,!k` and match label sets (k8s.io/apimachinery/pkg/labels/selector.go).
import { badRequest } from '../../api/status.ts';

export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!';
export interface LabelRequirement { key: string; operator: LabelOperator; values: string[] }

// #region label-selector
export function matchesLabels(reqs: LabelRequirement[], labels: Record<string, string> = {}): boolean {
  return reqs.every(({ key, operator, values }) => {
    const has = Object.hasOwn(labels, key);
    switch (operator) {
      case '=': case 'in': return has && values.includes(labels[key]);
      // Like the real selector, != and notin also match objects that lack the key.
      case '!=': case 'notin': return !has || !values.includes(labels[key]);
      case 'exists': return has;
      case '!': return !has;
    }
  });
}
// #endregion label-selector

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

type Token = { kind: 'word' | 'op' | 'open' | 'close' | 'comma' | 'not'; text: string };

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === '(') { out.push({ kind: 'open', text: c }); i++; continue; }
    if (c === ')') { out.push({ kind: 'close', text: c }); i++; continue; }
    if (c === ',') { out.push({ kind: 'comma', text: c }); i++; continue; }
    if (s.startsWith('==', i) || s.startsWith('!=', i)) { out.push({ kind: 'op', text: s.slice(i, i + 2) }); i += 2; continue; }
    if (c === '=') { out.push({ kind: 'op', text: '=' }); i++; continue; }
    if (c === '!') { out.push({ kind: 'not', text: '!' }); i++; continue; }
    let j = i;
    while (j < s.length && !' \t(),=!'.includes(s[j])) j++;
    out.push({ kind: 'word', text: s.slice(i, j) });
    i = j;
  }
  return out;
}

function fail(selector: string, why: string): never {
  throw badRequest(`unable to parse requirement: ${why} in label selector "${selector}"`);
}

export function parseLabelSelector(selector: string | null | undefined): LabelRequirement[] {
  if (!selector || !selector.trim()) return [];
  const toks = tokenize(selector);
  const reqs: LabelRequirement[] = [];
  let i = 0;
  const checkKey = (k: string) => { if (!KEY.test(k) || k.length > 316) fail(selector, `invalid label key "${k}"`); return k; };
  const checkValue = (v: string) => { if (!VALUE.test(v) || v.length > 63) fail(selector, `invalid label value "${v}"`); return v; };
  while (i < toks.length) {
    if (toks[i].kind === 'not') {
      const k = toks[i + 1];
      if (k?.kind !== 'word') fail(selector, "found '!', expected: identifier");
      reqs.push({ key: checkKey(k.text), operator: '!', values: [] });
      i += 2;
    } else if (toks[i].kind === 'word') {
      const key = checkKey(toks[i].text);
      const op = toks[i + 1];
      if (!op || op.kind === 'comma') { reqs.push({ key, operator: 'exists', values: [] }); i += 1; }
      else if (op.kind === 'op') {
        const v = toks[i + 2];
        const value = v?.kind === 'word' ? v.text : '';
        reqs.push({ key, operator: op.text === '!=' ? '!=' : '=', values: [checkValue(value)] });
        i += v?.kind === 'word' ? 3 : 2;
      } else if (op.kind === 'word' && (op.text === 'in' || op.text === 'notin')) {
        if (toks[i + 2]?.kind !== 'open') fail(selector, `found '${toks[i + 2]?.text ?? ''}', expected: '('`);
        const values: string[] = [];
        let j = i + 3;
        while (j < toks.length && toks[j].kind !== 'close') {
          if (toks[j].kind === 'word') values.push(checkValue(toks[j].text));
          else if (toks[j].kind !== 'comma') fail(selector, `found '${toks[j].text}', expected: ',' or ')'`);
          j++;
        }
        if (toks[j]?.kind !== 'close') fail(selector, "found '', expected: ')'");
        reqs.push({ key, operator: op.text, values });
        i = j + 1;
      } else fail(selector, `found '${op.text}', expected: in, notin, =, ==, !=, ',' or end of string`);
    } else fail(selector, `found '${toks[i].text}', expected: !, identifier, or 'end of string'`);
    if (i < toks.length) {
      if (toks[i].kind !== 'comma') fail(selector, `found '${toks[i].text}', expected: ',' or 'end of string'`);
      i++;
    }
  }
  return reqs;
}
