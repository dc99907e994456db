// The website's page shell: a chapter's HTML inside navigation (table of contents, prev/next) and the index page.
// Pure: strings in, HTML out. (Ours.)
import { escapeHtml, type Heading } from './render.ts';

export interface NavEntry { number: number; slug: string; title: string; question: string; href?: string /* undefined: not written yet */ }

export interface PageInput {
  bookTitle: string;
  entries: NavEntry[];
  current?: string;        // slug of the chapter shown; undefined for the index
  title: string;
  body: string;            // rendered HTML
  headings?: Heading[];
  mermaid: boolean;        // the site ships mermaid.min.js: draw the diagrams
}

function toc(entries: NavEntry[], current?: string): string {
  const items = entries.map((e) => {
    const label = `<span class="num">${e.number}</span> ${escapeHtml(e.title)}`;
    if (!e.href) return `<li class="todo" title="not written yet">${label}</li>`;
    const cls = e.slug === current ? ' class="current" aria-current="page"' : '';
    return `<li${cls}><a href="${e.href}">${label}</a></li>`;
  });
  return `<ol class="toc">${items.join('')}</ol>`;
}

function pager(entries: NavEntry[], current?: string): string {
  const written = entries.filter((e) => e.href);
  const i = written.findIndex((e) => e.slug === current);
  if (i < 0) return '';
  const prev = written[i - 1];
  const next = written[i + 1];
  return '<nav class="pager">'
    + (prev ? `<a class="prev" rel="prev" href="${prev.href}">← ${prev.number}. ${escapeHtml(prev.title)}</a>` : '<span></span>')
    + (next ? `<a class="next" rel="next" href="${next.href}">${next.number}. ${escapeHtml(next.title)} →</a>` : '<span></span>')
    + '</nav>';
}

function onThisPage(headings: Heading[] = []): string {
  const h2 = headings.filter((h) => h.level === 2);
  if (h2.length < 2) return '';
  return `<nav class="on-this-page"><h2>On this page</h2><ul>${h2.map((h) => `<li><a href="#${h.id}">${escapeHtml(h.text.replace(/[`*_]/g, ''))}</a></li>`).join('')}</ul></nav>`;
}

export function renderPage(p: PageInput): string {
  const mermaid = p.mermaid
    ? '<script src="assets/mermaid.min.js"></script><script>document.documentElement.classList.add("has-mermaid");mermaid.initialize({startOnLoad:true,theme:"neutral"});</script>'
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)} · ${escapeHtml(p.bookTitle)}</title>
<link rel="stylesheet" href="assets/hljs.css">
<link rel="stylesheet" href="assets/style.css">
</head>
<body>
<header class="top"><a class="book" href="index.html">${escapeHtml(p.bookTitle)}</a></header>
<div class="layout">
<aside class="sidebar"><nav aria-label="Chapters">${toc(p.entries, p.current)}</nav>${onThisPage(p.headings)}</aside>
<main class="content">
${p.body}
${pager(p.entries, p.current)}
</main>
</div>
${mermaid}
</body>
</html>
`;
}

export function renderIndex(bookTitle: string, intro: string, entries: NavEntry[], mermaid: boolean): string {
  const rows = entries.map((e) => `<tr${e.href ? '' : ' class="todo"'}><td class="num">${e.number}</td><td>${e.href ? `<a href="${e.href}">${escapeHtml(e.title)}</a>` : `${escapeHtml(e.title)} <em>(coming)</em>`}</td><td>${escapeHtml(e.question)}</td></tr>`);
  const body = `<h1>${escapeHtml(bookTitle)}</h1>\n${intro}\n<table class="chapters"><thead><tr><th>#</th><th>chapter</th><th>the question it answers</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  return renderPage({ bookTitle, entries, title: 'Contents', body, mermaid });
}
