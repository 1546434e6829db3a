// Descriptions are Markdown, as in dbt docs, rendered by marked. Raw HTML
// in them is shown as text, and links and images keep only http(s),
// mailto, anchors and relative addresses (the project's asset-paths), so
// a description cannot run script in the page.

import { Marked } from 'marked';
import { h } from './dom.js';

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (s) => s.replace(/[&<>"']/g, (c) => ESC[c]);
const safeURL = (u) => /^(https?:|mailto:|#|\.{0,2}\/)/i.test(u.trim()) || !u.includes(':');

const marked = new Marked({
  gfm: true,
  renderer: {
    html({ text }) {
      return escape(text);
    },
    link(token) {
      if (!safeURL(token.href)) return this.parser.parseInline(token.tokens);
      return false;
    },
    image(token) {
      if (!safeURL(token.href)) return escape(token.text);
      return false;
    },
  },
});

export function md(text, cls) {
  const el = h('div', { class: 'md' + (cls ? ' ' + cls : '') });
  el.innerHTML = marked.parse(text || '');
  return el;
}
