// Markdown → HTML for the book's website: markdown-it with highlight.js, chapter links rewritten to pages,
// listing captions, heading anchors and Mermaid blocks left for the browser. Pure: text in, HTML out. (Ours.)
import MarkdownIt from 'markdown-it';
import hljs from 'highlight.js/lib/core';
import typescript from 'highlight.js/lib/languages/typescript';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import yaml from 'highlight.js/lib/languages/yaml';
import bash from 'highlight.js/lib/languages/bash';
import shell from 'highlight.js/lib/languages/shell';
import protobuf from 'highlight.js/lib/languages/protobuf';
import http from 'highlight.js/lib/languages/http';
import go from 'highlight.js/lib/languages/go';
import diff from 'highlight.js/lib/languages/diff';
import xml from 'highlight.js/lib/languages/xml';
import plaintext from 'highlight.js/lib/languages/plaintext';

for (const [name, lang] of Object.entries({ typescript, javascript, json, yaml, bash, shell, protobuf, http, go, diff, xml, plaintext })) {
  hljs.registerLanguage(name, lang);
}
hljs.registerAliases(['ts'], { languageName: 'typescript' });
hljs.registerAliases(['sh'], { languageName: 'bash' });
hljs.registerAliases(['console', 'shell-session'], { languageName: 'shell' });
hljs.registerAliases(['proto'], { languageName: 'protobuf' });
hljs.registerAliases(['text', 'txt'], { languageName: 'plaintext' });

export interface Heading { level: number; text: string; id: string }

export interface Rendered { html: string; title: string; headings: Heading[] }

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function slugify(text: string): string {
  return text.toLowerCase().replace(/<[^>]+>/g, '').replace(/[`*_]/g, '').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '') || 'section';
}

// chapters/NN-slug.md links (as written for Git hosts) → NN-slug.html pages.
export function rewriteHref(href: string): string {
  const m = /^(?:\.\/|\.\.\/chapters\/)?(\d\d-[a-z0-9-]+)\.md(#.*)?$/.exec(href);
  return m ? `${m[1]}.html${m[2] ?? ''}` : href;
}

function createRenderer() {
  const md = new MarkdownIt({ html: true, linkify: true, typographer: false });
  md.options.highlight = (code, lang) => {
    if (lang && lang !== 'mermaid' && hljs.getLanguage(lang)) {
      return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
    }
    return '';
  };
  const fence = md.renderer.rules.fence!;
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    const [lang = '', ...flags] = token.info.trim().split(/\s+/);
    if (lang === 'mermaid') {
      return `<figure class="diagram"><pre class="mermaid">${escapeHtml(token.content)}</pre>`
        + '<figcaption class="mermaid-note">The source of a Mermaid diagram: GitHub and most Git hosts draw it as a picture.</figcaption></figure>\n';
    }
    token.info = lang; // flags like "illustrative" or "no-output" are ours, not languages
    const html = fence(tokens, idx, options, env, self);
    const badge = flags.includes('illustrative') ? '<span class="badge">illustrative</span>'
      : lang === 'console' ? '<span class="badge">run it</span>' : '';
    return badge ? `<div class="code-with-badge">${badge}${html}</div>\n` : html;
  };
  const linkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    const href = token.attrGet('href');
    if (href !== null) {
      const page = rewriteHref(String(href));
      token.attrSet('href', page);
      // A chapter that is planned but not written yet: keep the words, drop the dead link.
      const exists = (env as RenderEnv).pageExists;
      if (page !== href && exists && !exists(page.split('#')[0]!)) {
        token.attrs = (token.attrs ?? []).filter(([k]) => k !== 'href');
        token.attrSet('class', 'unwritten');
        token.attrSet('title', 'this chapter is not written yet');
      }
    }
    return linkOpen(tokens, idx, options, env, self);
  };
  md.core.ruler.push('heading_ids', (state) => {
    const seen = new Map<string, number>();
    const headings: Heading[] = [];
    state.tokens.forEach((t, i) => {
      if (t.type !== 'heading_open') return;
      const text = state.tokens[i + 1]?.content ?? '';
      let id = slugify(text);
      const n = seen.get(id) ?? 0;
      seen.set(id, n + 1);
      if (n) id = `${id}-${n}`;
      t.attrSet('id', id);
      headings.push({ level: Number(t.tag.slice(1)), text, id });
    });
    (state.env as { headings?: Heading[] }).headings = headings;
  });
  return md;
}

const renderer = createRenderer();

// The listing comments are invisible on a Git host; on the site they become a caption naming the source.
function captionListings(markdown: string): string {
  return markdown.replace(/^<!--\s*listing:\s*(src\/[^#\s]+)(?:#(\S+))?\s*-->[ \t]*$/gm, (_, path: string, region?: string) =>
    `<p class="listing-source"><code>${escapeHtml(path)}</code>${region ? ` <span class="region">${escapeHtml(region)}</span>` : ''}</p>\n`);
}

interface RenderEnv { headings?: Heading[]; pageExists?: (page: string) => boolean }

export interface RenderOptions {
  // Whether a chapter page (NN-slug.html) is part of the site; links to the others are rendered as plain text.
  pageExists?: (page: string) => boolean;
}

export function renderMarkdown(markdown: string, opts: RenderOptions = {}): Rendered {
  const env: RenderEnv = { ...(opts.pageExists ? { pageExists: opts.pageExists } : {}) };
  const html = renderer.render(captionListings(markdown), env as Record<string, unknown>);
  const headings = env.headings ?? [];
  const h1 = headings.find((h) => h.level === 1);
  return { html, title: (h1?.text ?? '').replace(/[`*_]/g, ''), headings };
}
