// DOM helpers of the console. The Content-Security-Policy forbids inline scripts, inline style attributes and
// handler attributes, so every element is made with createElement / createElementNS, text goes in with
// textContent (never innerHTML), and listeners are added with addEventListener.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
  } else if (child instanceof Node) {
    parent.appendChild(child);
  } else {
    parent.appendChild(document.createTextNode(String(child)));
  }
}

function setAttributes(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      node.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    } else if (key === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (key === 'value' && 'value' in node) {
      // An input's value attribute too: it is what form.reset() goes back to.
      if (node.tagName === 'INPUT') node.setAttribute('value', String(value));
      node.value = value;
    } else if (value === true) {
      node.setAttribute(key, '');
    } else {
      node.setAttribute(key, String(value));
    }
  }
}

// h('a', {href: '#/'}, 'text', child, [more]): an HTML element.
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

// s('rect', {x: 1}): an SVG element.
export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

let idCounter = 0;
export function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// ---- dates -------------------------------------------------------------------------------------------------

export function parseTime(iso) {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

// "2026-12-07 20:00 UTC": the API's times are UTC and so is every time shown.
export function formatTime(iso) {
  const t = parseTime(iso);
  if (t === null) return iso ? String(iso) : '—';
  const d = new Date(t).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 16)} UTC`;
}

export function formatDate(iso) {
  const t = parseTime(iso);
  if (t === null) return iso ? String(iso) : '—';
  return new Date(t).toISOString().slice(0, 10);
}

// "in 3 days", "5 hours ago".
export function relative(iso, nowMs = Date.now()) {
  const t = parseTime(iso);
  if (t === null) return '';
  const diff = t - nowMs;
  const abs = Math.abs(diff);
  const units = [
    ['day', 86400e3],
    ['hour', 3600e3],
    ['minute', 60e3],
  ];
  let text = 'less than a minute';
  for (const [name, ms] of units) {
    if (abs >= ms) {
      const n = Math.floor(abs / ms);
      text = `${n} ${name}${n === 1 ? '' : 's'}`;
      break;
    }
  }
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

// <time datetime="…">2026-12-07 20:00 UTC</time>, with the relative time after it when asked.
export function timeEl(iso, {withRelative = false, now} = {}) {
  if (!iso) return h('span', {class: 'muted'}, '—');
  const node = h('time', {datetime: iso}, formatTime(iso));
  if (!withRelative) return node;
  return h('span', null, node, h('span', {class: 'muted'}, ` (${relative(iso, now)})`));
}

export function addDaysIso(dateStr, days) {
  const t = Date.parse(`${dateStr}T00:00:00Z`) + days * 86400e3;
  return new Date(t).toISOString().slice(0, 10);
}

// ---- building blocks ---------------------------------------------------------------------------------------

export function statusBadge(status) {
  const known = ['valid', 'expiring', 'expired', 'revoked', 'pending', 'abandoned', 'deactivated', 'usable',
    'used up'];
  const cls = known.includes(status) ? `status-${status.replace(' ', '-')}` : 'status-other';
  return h('span', {class: ['badge', cls]}, status || 'unknown');
}

// A table in a horizontally scrolling, keyboard-reachable region (phones).
// columns: [{label, sort?: 'ascending'|'descending', className?}]; rows: arrays of cells (nodes or text).
export function dataTable({label, caption, columns, rows, empty = 'Nothing to show.', className}) {
  if (rows.length === 0) return h('p', {class: 'empty'}, empty);
  const head = h('tr', null, columns.map((c) => h('th', {scope: 'col', 'aria-sort': c.sort, class: c.className},
    c.label)));
  const body = rows.map((cells) => {
    const tr = h('tr');
    cells.forEach((cell, i) => {
      if (i === 0 && cell && cell.rowHeader) {
        tr.appendChild(h('th', {scope: 'row'}, cell.node));
      } else {
        tr.appendChild(h('td', {class: columns[i] && columns[i].className}, cell));
      }
    });
    return tr;
  });
  const table = h('table', {class: className},
    caption ? h('caption', null, caption) : null,
    h('thead', null, head),
    h('tbody', null, body));
  return h('div', {class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0'}, table);
}

// A <dl> of [term, value] pairs; null values are left out.
export function definitionList(pairs, className = 'fields') {
  const dl = h('dl', {class: className});
  for (const [term, value] of pairs) {
    if (value === null || value === undefined) continue;
    dl.appendChild(h('div', null, h('dt', null, term), h('dd', null, value === '' ? h('span', {class: 'muted'},
      'none') : value)));
  }
  return dl;
}

export function errorBox(err) {
  const problem = err && err.problem;
  const text = problem ? `${problem.title || 'Error'} (${problem.status || err.status}): ${problem.detail || ''}`
    : (err && err.message) || String(err);
  return h('p', {class: 'error', role: 'alert'}, text);
}

export function notice(text, kind = 'info') {
  return h('p', {class: ['notice', `notice-${kind}`], role: kind === 'error' ? 'alert' : 'status'}, text);
}

export function section(title, ...children) {
  const id = uid('section');
  return h('section', {'aria-labelledby': id}, h('h2', {id}, title), children);
}

// A modal <dialog>: showModal(), focus on its first field, focus back on the opener when closed.
// build(dialog, close) returns the dialog's content.
export function openDialog({title, build, opener}) {
  const titleId = uid('dialog-title');
  const dialog = h('dialog', {'aria-labelledby': titleId, class: 'confirm'});
  const close = () => {
    dialog.close();
  };
  dialog.appendChild(h('h2', {id: titleId}, title));
  append(dialog, build(dialog, close));
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener && opener.isConnected) opener.focus();
  });
  (document.getElementById('main') || document.body).appendChild(dialog);
  dialog.showModal();
  const first = dialog.querySelector('select, input, textarea, button');
  if (first) first.focus();
  return dialog;
}

// The usual confirmation of confirmDialog: an "I understand this cannot be undone" checkbox.
export function understandCheckbox(id) {
  const input = h('input', {id, type: 'checkbox', name: 'confirm'});
  return {
    node: h('div', {class: 'field checkbox'}, input, h('label', {for: id}, 'I understand this cannot be undone')),
    input,
    ready: () => input.checked,
  };
}

// A dialog that confirms an action that cannot be undone: `explanation` (nodes), optional `fields`, then the
// `confirmation` ({node, input, ready()}: understandCheckbox, or another control), which enables the
// `submitLabel` button while ready() holds; on submit `action()` runs (an API call), then the dialog closes and
// `onDone(its result)` runs; an error is shown in the dialog instead.
export function confirmDialog({title, opener, explanation, fields = null, confirmation, submitLabel, action, onDone}) {
  openDialog({
    title,
    opener,
    build: (dialog, close) => {
      const submit = h('button', {type: 'submit', class: 'danger', disabled: true}, submitLabel);
      const update = () => {
        submit.disabled = !confirmation.ready();
      };
      confirmation.input.addEventListener('input', update);
      confirmation.input.addEventListener('change', update);
      const message = h('div', {class: 'dialog-message'});
      const form = h('form', {method: 'dialog'},
        h('p', null, explanation),
        fields,
        confirmation.node,
        message,
        h('div', {class: 'actions'},
          h('button', {type: 'button', class: 'secondary', onclick: close}, 'Cancel'),
          submit));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        if (!confirmation.ready()) return;
        submit.disabled = true;
        clear(message);
        try {
          const result = await action();
          close();
          onDone(result);
        } catch (err) {
          message.appendChild(errorBox(err));
          update();
        }
      });
      return form;
    },
  });
}

// A copy button for the text of `source` (a function returning a string); says "Copied" in a live region.
export function copyButton(label, getText) {
  const status = h('span', {class: 'copy-status', role: 'status'});
  const button = h('button', {
    type: 'button',
    class: 'secondary small',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(getText());
        status.textContent = 'Copied';
      } catch (e) {
        status.textContent = 'Copy failed: select the text and copy it';
      }
    },
  }, label);
  return h('span', {class: 'copy'}, button, status);
}

// A labelled form field, with an optional hint the input is described by.
export function field(labelText, input, hint) {
  if (!input.id) input.id = uid('field');
  const hintId = hint ? `${input.id}-hint` : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return h('div', {class: 'field'}, h('label', {for: input.id}, labelText), input,
    hint ? h('span', {class: 'field-hint', id: hintId}, hint) : null);
}

export function link(href, text, attrs = {}) {
  return h('a', {href, ...attrs}, text);
}

export function plural(n, one, many) {
  return `${n.toLocaleString('en')} ${n === 1 ? one : (many || `${one}s`)}`;
}
