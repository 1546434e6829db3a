// Small DOM helpers. Text from the project always goes in as text, never
// as HTML.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

const SVGNS = 'http://www.w3.org/2000/svg';

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVGNS, tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, String(v));
    }
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function nodeHref(n) {
  return '#!/node/' + encodeURIComponent(n.id);
}

export function lineageHref(n, col) {
  return '#!/lineage/' + encodeURIComponent(n.id) + (col ? '?col=' + encodeURIComponent(col) : '');
}

export function dagHref(select) {
  return '#!/dag' + (select ? '?select=' + encodeURIComponent(select) : '');
}

// fill replaces el's children, skipping null and false as h does.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}
