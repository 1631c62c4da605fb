import { escapeHtml } from './escape.js';

// The frame every site page shares. No script, no external resource: the HTTP layer pairs these
// pages with a Content-Security-Policy that allows only this inline style.

export const PAGE_STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem}' +
  'main{display:grid;grid-template-columns:minmax(0,1fr) 18rem;gap:2rem}' +
  'aside.meta{font-size:.875rem;border:1px solid #ccc;border-radius:4px;padding:0 1rem;align-self:start}' +
  'aside.meta dt{font-weight:600}aside.meta dd{margin:0 0 .5rem 0}pre{overflow:auto;background:#f5f5f5;padding:.5rem}' +
  '@media (max-width:48rem){main{display:block}}';

/** A whole HTML document. `title` is text (escaped here); `body` is markup the caller built from escaped parts. */
export function htmlDocument(title: string, body: string): string {
  return (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapeHtml(title)}</title>\n<style>${PAGE_STYLE}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}
