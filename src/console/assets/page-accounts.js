// #/accounts: ACME accounts in creation order, a page at a time. #/accounts/ID: contacts, key thumbprint, EAB
// key, policy, status, its certificates (/certificates?account=ID), history; deactivation (operator and admin)
// behind a confirmation.

import {api, canOperate, ApiError} from './api.js';
import {h, section, timeEl, statusBadge, dataTable, definitionList, errorBox, confirmDialog, understandCheckbox, notice}
  from './ui.js';
import {historyTable} from './history.js';
import {certificateRows, certificateColumns} from './page-certificates.js';

const PAGE_SIZE = 100;
let flash = null;

function contactList(contacts) {
  if (!contacts || contacts.length === 0) return h('span', {class: 'muted'}, 'none');
  return h('ul', {class: 'plain'}, contacts.map((c) => h('li', null, c)));
}

async function renderList(main, route, ctx) {
  main.appendChild(h('h1', null, 'Accounts'));
  const cursor = route.params.get('cursor') || '';
  let page;
  try {
    page = await api('accounts', {query: {limit: PAGE_SIZE, cursor}});
  } catch (err) {
    if (!ctx.stillCurrent()) return;
    main.appendChild(errorBox(err));
    return;
  }
  if (!ctx.stillCurrent()) return;
  main.appendChild(h('p', {class: 'hint'}, 'In creation order.'));
  main.appendChild(dataTable({
    label: 'Accounts',
    columns: [{label: 'Account'}, {label: 'Status'}, {label: 'Contacts'}, {label: 'Created'}, {label: 'EAB key'},
      {label: 'Policy'}],
    rows: page.accounts.map((a) => [
      h('a', {href: `#/accounts/${encodeURIComponent(a.id)}`, class: 'mono', 'aria-label': `Account ${a.id}`}, a.id),
      statusBadge(a.status),
      contactList(a.contacts),
      timeEl(a.created_at),
      a.eab_kid ? `${a.eab_label || a.eab_kid}` : h('span', {class: 'muted'}, '—'),
      a.policy || h('span', {class: 'muted'}, '—'),
    ]),
    empty: 'No account yet.',
  }));
  const pager = h('div', {class: 'pager'});
  if (cursor) pager.appendChild(h('a', {href: '#/accounts', class: 'button-link secondary'}, 'First page'));
  if (page.next_cursor) {
    pager.appendChild(h('a', {href: `#/accounts?cursor=${encodeURIComponent(page.next_cursor)}`,
      class: 'button-link secondary', rel: 'next'}, 'Next page'));
  }
  main.appendChild(pager);
}

function deactivateDialog(account, opener, onDone) {
  const note = h('textarea', {id: 'deactivate-note', name: 'note', rows: '3', maxlength: '1000'});
  confirmDialog({
    title: 'Deactivate this account',
    opener,
    explanation: ['The account ', h('code', null, account.id), ' will be refused every further request ',
      '(RFC 8555 §7.3.6). Its certificates stay valid.'],
    fields: h('div', {class: 'field'}, h('label', {for: 'deactivate-note'}, 'Note for the audit log (optional)'),
      note),
    confirmation: understandCheckbox('deactivate-confirm'),
    submitLabel: 'Deactivate account',
    action: () => api(`accounts/${encodeURIComponent(account.id)}/deactivate`,
      {method: 'POST', body: note.value.trim() ? {note: note.value.trim()} : {}}),
    onDone,
  });
}

async function renderDetail(main, route, ctx) {
  const id = route.id;
  main.appendChild(h('p', {class: 'breadcrumb'}, h('a', {href: '#/accounts'}, 'Accounts'), ' / ',
    h('span', {class: 'mono'}, id)));
  let account;
  try {
    account = await api(`accounts/${encodeURIComponent(id)}`);
  } catch (err) {
    if (!ctx.stillCurrent()) return;
    main.appendChild(h('h1', null, 'Account not found'));
    main.appendChild(err instanceof ApiError && err.status === 404
      ? h('p', {class: 'error', role: 'alert'}, `No account has the id ${id}.`) : errorBox(err));
    return;
  }
  if (!ctx.stillCurrent()) return;
  main.appendChild(h('h1', null, 'Account ', h('span', {class: 'mono break'}, account.id)));
  const headline = h('div', {class: 'headline'}, statusBadge(account.status));
  main.appendChild(headline);
  if (flash) {
    main.appendChild(notice(flash, 'success'));
    flash = null;
  }
  if (canOperate() && account.status === 'valid') {
    const button = h('button', {type: 'button', class: 'danger', id: 'deactivate-button'}, 'Deactivate…');
    button.addEventListener('click', () => deactivateDialog(account, button, () => {
      flash = `Account ${account.id} deactivated.`;
      ctx.reload();
    }));
    headline.appendChild(button);
  }
  main.appendChild(section('Details', definitionList([
    ['Account', h('span', {class: 'mono break'}, account.id)],
    ['Status', statusBadge(account.status)],
    ['Contacts', contactList(account.contacts)],
    ['Created', timeEl(account.created_at)],
    ['Key thumbprint (RFC 7638)', h('span', {class: 'mono break'}, account.thumbprint)],
    ['EAB key id', account.eab_kid ? h('span', {class: 'mono'}, account.eab_kid) : ''],
    ['EAB label', account.eab_label],
    ['Policy', account.policy],
  ])));
  const certs = section('Certificates');
  main.appendChild(certs);
  try {
    const page = await api('certificates', {query: {account: account.id, limit: 100}});
    if (!ctx.stillCurrent()) return;
    certs.appendChild(dataTable({label: 'Certificates of this account', columns: certificateColumns({withAccount:
      false}), rows: certificateRows(page.certificates, {withAccount: false}), empty: 'No certificate.'}));
    if (page.next_cursor) {
      certs.appendChild(h('p', null, h('a', {href: `#/certificates?account=${encodeURIComponent(account.id)}`},
        'All certificates of this account')));
    }
  } catch (err) {
    if (!ctx.stillCurrent()) return;
    certs.appendChild(errorBox(err));
  }
  main.appendChild(section('History', historyTable(account.history || [], 'Account history')));
}

export async function render(main, route, ctx) {
  if (route.id !== undefined) return renderDetail(main, route, ctx);
  return renderList(main, route, ctx);
}
