// #/audit: the audit trail (docs/audit.md), newest first, with the hash chain's verification at the top.
// Pages go back in time with the API's before_id (GET /audit/head gives the newest id), so what happened last is
// what the operator sees first and "Load older records" fetches the page below. The text filter works on the
// records loaded; #/audit?subject=S asks the API for every record of one subject (a serial, an account id, an
// admin's name), oldest first.

import {api} from './api.js';
import {h, clear, section, dataTable, errorBox, plural, field} from './ui.js';
import {recordRow, RECORD_COLUMNS, actorOf} from './history.js';

const PAGE = 200;

function verificationBox(v) {
  if (v.holds) {
    return h('p', {class: 'notice notice-success', id: 'audit-verification', role: 'status'},
      `Chain verified: ${plural(v.records, 'record')}`,
      v.anchors ? `, ${plural(v.anchors, 'anchor')} checked` : '', '.',
      v.head_hash ? h('span', {class: 'muted mono break'}, ` Head ${v.head_id}: ${v.head_hash}`) : null);
  }
  return h('p', {class: 'notice notice-error', id: 'audit-verification', role: 'alert'},
    'The audit chain does NOT verify',
    v.first_bad_id ? ` (first bad record: ${v.first_bad_id})` : '', `: ${v.problem || 'unknown problem'}`);
}

function subjectForm(current) {
  const input = h('input', {type: 'search', id: 'audit-subject', value: current, autocomplete: 'off',
    spellcheck: 'false'});
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': 'Records of one subject'},
    h('div', {class: 'field-row'},
      field('Subject (exact)', input, 'a serial, an account id, an order id, an admin\'s name'),
      h('div', {class: 'field field-button'}, h('button', {type: 'submit', class: 'secondary'}, 'Show its records')),
      current ? h('div', {class: 'field field-button'}, h('a', {href: '#/audit', class: 'button-link secondary'},
        'All records')) : null));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = input.value.trim();
    location.hash = v ? `#/audit?subject=${encodeURIComponent(v)}` : '#/audit';
  });
  return form;
}

export async function render(main, route, ctx) {
  main.appendChild(h('h1', null, 'Audit log'));
  const subject = route.params.get('subject') || '';
  const [verification, first] = await Promise.all([
    api('audit/verify').catch((err) => ({error: err})),
    (async () => {
      if (subject) return api('audit', {query: {subject, limit: 1000}});
      const head = await api('audit/head');
      return api('audit', {query: {before_id: head.head_id + 1, limit: PAGE}});
    })().catch((err) => ({error: err})),
  ]);
  if (!ctx.stillCurrent()) return;
  main.appendChild(verification.error ? errorBox(verification.error) : verificationBox(verification));
  main.appendChild(subjectForm(subject));
  if (first.error) {
    main.appendChild(errorBox(first.error));
    return;
  }

  // Newest first, whichever way the API paged.
  const records = subject ? [...first.records].reverse() : [...first.records];
  let nextBefore = subject ? null : first.next_before_id;
  const filterText = h('input', {type: 'search', id: 'audit-filter', autocomplete: 'off', spellcheck: 'false'});
  const showRequests = h('input', {type: 'checkbox', id: 'audit-requests', checked: Boolean(subject)});
  const summary = h('p', {class: 'hint', id: 'audit-summary', role: 'status'});
  const tableBox = h('div');
  const more = h('button', {type: 'button', class: 'secondary', id: 'audit-older'}, 'Load older records');
  const moreMessage = h('div');

  const draw = () => {
    const q = filterText.value.trim().toLowerCase();
    const shown = records.filter((r) => {
      if (!showRequests.checked && r.kind === 'admin.request') return false;
      if (!q) return true;
      return r.kind.toLowerCase().includes(q) || (r.subject || '').toLowerCase().includes(q)
        || actorOf(r).toLowerCase().includes(q);
    });
    clear(tableBox).appendChild(dataTable({label: 'Audit records', columns: RECORD_COLUMNS,
      rows: shown.map(recordRow), empty: 'No record matches.', className: 'records'}));
    summary.textContent = `Showing ${shown.length} of ${plural(records.length, 'record')} loaded`
      + (records.length ? ` (ids ${records[records.length - 1].id} to ${records[0].id})` : '')
      + (subject ? ` of the subject ${subject}.` : '.');
    more.hidden = !nextBefore;
  };

  const filters = h('form', {class: 'filters', role: 'search', 'aria-label': 'Audit records loaded'},
    h('div', {class: 'field-row'},
      field('Filter by kind, subject or actor', filterText),
      h('div', {class: 'field checkbox'}, showRequests,
        h('label', {for: 'audit-requests'}, 'Show admin API requests (admin.request)'))));
  filters.addEventListener('submit', (e) => e.preventDefault());
  filterText.addEventListener('input', draw);
  showRequests.addEventListener('change', draw);
  more.addEventListener('click', async () => {
    more.disabled = true;
    clear(moreMessage);
    try {
      const page = await api('audit', {query: {before_id: nextBefore, limit: PAGE}});
      records.push(...page.records);
      nextBefore = page.next_before_id;
      draw();
    } catch (err) {
      moreMessage.appendChild(errorBox(err));
    } finally {
      more.disabled = false;
    }
  });
  main.appendChild(filters);
  main.appendChild(section('Records', summary, tableBox, h('div', {class: 'pager'}, more), moreMessage));
  draw();
}
