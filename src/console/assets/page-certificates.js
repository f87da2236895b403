// #/certificates: the inventory, in the API's order (soonest expiry first), a page at a time with the API's
// keyset cursor, so it stays fast at 1,000,000 rows. The filters live in the URL's hash (links can be shared
// and the Back button works) and map one to one onto the API's query parameters.
// #/certificates/SERIAL: one certificate, its PEM and chain, history, and revocation (operator and admin).

import {api, canOperate, normalizeSerial, ApiError} from './api.js';
import {h, section, timeEl, statusBadge, dataTable, definitionList, errorBox, confirmDialog, copyButton,
  notice, field} from './ui.js';
import {historyTable} from './history.js';

const STATUSES = ['valid', 'expiring', 'expired', 'revoked'];
// RFC 5280 §5.3.1 reason codes the API accepts (src/admin/openapi.json, RevokeRequest).
export const REVOCATION_REASONS = [
  ['unspecified', 'Unspecified'],
  ['keyCompromise', 'Key compromise'],
  ['superseded', 'Superseded'],
  ['cessationOfOperation', 'Cessation of operation'],
  ['affiliationChanged', 'Affiliation changed'],
  ['privilegeWithdrawn', 'Privilege withdrawn'],
];
// The hash parameters passed on to GET /certificates (anything else would be refused with 400).
const API_PARAMS = ['name_contains', 'name_suffix', 'account', 'profile', 'status', 'expiring_within_days', 'issuer',
  'order', 'cursor', 'limit'];
const PAGE_SIZE = 50;
// A message for the next rendering of the detail page (after a revocation).
let flash = null;

function listHash(params) {
  const p = new URLSearchParams();
  for (const key of API_PARAMS) {
    const v = params.get(key);
    if (v) p.set(key, v);
  }
  const qs = p.toString();
  return `#/certificates${qs ? `?${qs}` : ''}`;
}

// The issuer filter's choices: the CA certificates served (GET /issuers), by name, the issuing one marked.
function issuerSelect(params, issuers) {
  const current = params.get('issuer') || '';
  const select = h('select', {name: 'issuer', id: 'filter-issuer'}, h('option', {value: ''}, 'any'));
  let listed = false;
  for (const i of issuers) {
    listed = listed || i.key_id === current;
    select.appendChild(h('option', {value: i.key_id, selected: i.key_id === current},
      `${i.name}${i.current ? ' (issuing now)' : ''} · ${i.key_id.slice(0, 8)}…`));
  }
  // An issuer the CA no longer serves (a link from an old certificate) stays choosable.
  if (current && !listed) select.appendChild(h('option', {value: current, selected: true}, current));
  return select;
}

function searchForms(params, issuers) {
  const nameValue = params.get('name_suffix') || params.get('name_contains') || '';
  const name = h('input', {type: 'search', name: 'name', id: 'filter-name', value: nameValue, autocomplete: 'off',
    spellcheck: 'false'});
  const account = h('input', {type: 'text', name: 'account', id: 'filter-account', value: params.get('account') || '',
    autocomplete: 'off'});
  const status = h('select', {name: 'status', id: 'filter-status'},
    h('option', {value: ''}, 'any'),
    STATUSES.map((st) => h('option', {value: st, selected: params.get('status') === st}, st)));
  const profile = h('input', {type: 'text', name: 'profile', id: 'filter-profile', value: params.get('profile') || '',
    autocomplete: 'off'});
  const within = h('input', {type: 'number', name: 'expiring_within_days', id: 'filter-within', min: '1',
    max: '36500', value: params.get('expiring_within_days') || ''});
  const issuer = issuerSelect(params, issuers);
  const order = h('select', {name: 'order', id: 'filter-order'},
    h('option', {value: 'soonest', selected: params.get('order') !== 'latest'}, 'soonest expiry first'),
    h('option', {value: 'latest', selected: params.get('order') === 'latest'}, 'latest expiry first'));
  const message = h('p', {class: 'field-error', role: 'alert', id: 'filter-message'});
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': 'Certificates'},
    h('div', {class: 'field-row'},
      field('Name', name, '3 characters or more; ".example.com" for a domain\'s names'),
      field('Account', account),
      field('Status', status),
      field('Profile', profile),
      field('Expiring within days', within),
      field('Issuer', issuer),
      field('Order', order)),
    message,
    h('div', {class: 'actions'},
      h('button', {type: 'submit'}, 'Search'),
      h('a', {href: '#/certificates', class: 'button-link secondary'}, 'Clear filters')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    message.textContent = '';
    const p = new URLSearchParams();
    const text = name.value.trim();
    if (text.startsWith('.')) {
      if (text.length < 2) {
        message.textContent = 'Type a domain after the dot.';
        name.focus();
        return;
      }
      p.set('name_suffix', text);
    } else if (text.length > 0) {
      if (text.length < 3) {
        message.textContent = 'Type at least 3 characters of the name, or a suffix starting with a dot.';
        name.focus();
        return;
      }
      p.set('name_contains', text);
    }
    if (account.value.trim()) p.set('account', account.value.trim());
    if (status.value) p.set('status', status.value);
    if (profile.value.trim()) p.set('profile', profile.value.trim());
    if (within.value) p.set('expiring_within_days', within.value);
    if (issuer.value) p.set('issuer', issuer.value);
    if (order.value === 'latest') p.set('order', 'latest');
    location.hash = listHash(p);
  });

  const serial = h('input', {type: 'search', name: 'serial', id: 'serial-search', autocomplete: 'off',
    spellcheck: 'false'});
  const serialMessage = h('p', {class: 'field-error', role: 'alert'});
  const serialForm = h('form', {class: 'filters serial-search', role: 'search', 'aria-label': 'Open a certificate by serial number'},
    h('div', {class: 'field-row'}, field('Serial number', serial, 'hex; colons and 0x are fine'),
      h('div', {class: 'field field-button'}, h('button', {type: 'submit', class: 'secondary'}, 'Open'))),
    serialMessage);
  serialForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = normalizeSerial(serial.value);
    if (!/^[0-9a-f]+$/.test(v)) {
      serialMessage.textContent = 'A serial number is hexadecimal digits.';
      serial.focus();
      return;
    }
    location.hash = `#/certificates/${v}`;
  });
  // Folded on a phone unless a filter is set, so the results are on the first screen; open on wider screens.
  const open = window.matchMedia('(min-width: 821px)').matches ||
    API_PARAMS.some((k) => k !== 'cursor' && k !== 'order' && params.get(k));
  return h('details', {class: 'search-panel', open},
    h('summary', null, 'Search and filters'),
    form, serialForm);
}

function describeFilters(params) {
  const parts = [];
  if (params.get('name_contains')) parts.push(`name contains "${params.get('name_contains')}"`);
  if (params.get('name_suffix')) parts.push(`name ends with "${params.get('name_suffix')}"`);
  if (params.get('account')) parts.push(`account ${params.get('account')}`);
  if (params.get('status')) parts.push(`status ${params.get('status')}`);
  if (params.get('profile')) parts.push(`profile ${params.get('profile')}`);
  if (params.get('expiring_within_days')) {
    parts.push(`expiring within ${params.get('expiring_within_days')} days, not replaced`);
  }
  if (params.get('issuer')) parts.push(`issuer ${params.get('issuer')}`);
  return parts.length ? `Filtered: ${parts.join(', ')}.` : 'All certificates.';
}

export function certificateRows(certs, {withAccount = true} = {}) {
  return certs.map((c) => {
    const row = [
      h('a', {href: `#/certificates/${c.serial}`, class: 'mono', 'aria-label': `Certificate ${c.serial}`},
        c.serial),
      h('span', {class: 'names'}, c.names.join(', ')),
      statusBadge(c.status),
      timeEl(c.not_after),
      c.profile,
    ];
    if (withAccount) {
      row.push(c.account ? h('a', {href: `#/accounts/${encodeURIComponent(c.account)}`, class: 'mono'}, c.account)
        : h('span', {class: 'muted'}, '—'));
    }
    return row;
  });
}

export function certificateColumns({withAccount = true, latestFirst = false} = {}) {
  const cols = [
    {label: 'Serial'},
    {label: 'Names'},
    {label: 'Status'},
    latestFirst ? {label: 'Not after (latest first)', sort: 'descending'} :
      {label: 'Not after (soonest first)', sort: 'ascending'},
    {label: 'Profile'},
  ];
  if (withAccount) cols.push({label: 'Account'});
  return cols;
}

async function renderList(main, route, ctx) {
  const params = route.params;
  main.appendChild(h('h1', null, 'Certificates'));
  // The issuers for the filter; without them (an error) the filter offers only "any" and what the URL names.
  const issuers = await api('issuers').then((r) => r.issuers, () => []);
  if (!ctx.stillCurrent()) return;
  main.appendChild(searchForms(params, issuers));
  const query = {limit: PAGE_SIZE};
  for (const key of API_PARAMS) {
    if (params.get(key)) query[key] = params.get(key);
  }
  const results = h('section', {'aria-labelledby': 'results-heading', class: 'results'},
    h('h2', {id: 'results-heading'}, 'Results'));
  main.appendChild(results);
  results.appendChild(h('p', {class: 'hint', id: 'filter-summary'}, describeFilters(params),
    params.get('order') === 'latest' ? ' Latest expiry first.' : ' Soonest expiry first.'));
  let page;
  try {
    page = await api('certificates', {query});
  } catch (err) {
    if (!ctx.stillCurrent()) return;
    results.appendChild(errorBox(err));
    return;
  }
  if (!ctx.stillCurrent()) return;
  results.appendChild(dataTable({label: 'Certificates',
    columns: certificateColumns({latestFirst: params.get('order') === 'latest'}),
    rows: certificateRows(page.certificates), empty: 'No certificate matches.'}));
  const nav = h('div', {class: 'pager'});
  if (params.get('cursor')) {
    const first = new URLSearchParams(params);
    first.delete('cursor');
    nav.appendChild(h('a', {href: listHash(first), class: 'button-link secondary'}, 'First page'));
  }
  if (page.next_cursor) {
    const next = new URLSearchParams(params);
    next.set('cursor', page.next_cursor);
    nav.appendChild(h('a', {href: listHash(next), class: 'button-link secondary', rel: 'next'}, 'Next page'));
  }
  nav.appendChild(h('span', {class: 'muted'}, `${page.certificates.length} shown`));
  results.appendChild(nav);
}

function splitPem(text) {
  return (text || '').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) || [];
}

function pemDownload(serial, pem, label, suffix) {
  const url = URL.createObjectURL(new Blob([pem], {type: 'application/x-pem-file'}));
  return h('a', {href: url, download: `${serial}${suffix}.pem`, class: 'button-link secondary'}, label);
}

// The renewal window ARI (RFC 9773) suggests now; null for a record that is not issued.
function ariWindow(c) {
  const w = c.ari;
  if (!w || !w.start) return null;
  return h('span', null, timeEl(w.start), ' to ', timeEl(w.end));
}

function listOrNone(items, mono = false) {
  if (!items || items.length === 0) return '';
  return h('ul', {class: 'plain'}, items.map((x) => h('li', {class: mono ? 'mono' : null}, x)));
}

// What the certificate says of itself (decoded by the server from its DER).
function decodedSection(d) {
  return section('Decoded certificate', definitionList([
    ['Subject', d.subject],
    ['Issuer', d.issuer],
    ['Serial number', h('span', {class: 'mono break'}, d.serial)],
    ['Not before', timeEl(d.not_before)],
    ['Not after', timeEl(d.not_after)],
    ['DNS names', listOrNone(d.dns_names)],
    ['IP addresses', listOrNone(d.ip_addresses)],
    ['Extended key usages', listOrNone(d.ext_key_usages)],
    ['CA', d.is_ca ? 'yes' : 'no'],
    ['Subject key identifier', h('span', {class: 'mono break'}, d.subject_key_id)],
    ['Authority key identifier', h('span', {class: 'mono break'}, d.authority_key_id)],
    ['SHA-256 fingerprint', h('span', {class: 'mono break'}, d.sha256_fingerprint)],
  ]));
}

// The order the certificate came from, its authorizations, their challenges and the validations recorded.
function orderSection(o) {
  const out = section('Order and authorizations', definitionList([
    ['Order', h('span', {class: 'mono break'}, o.id)],
    ['Status', o.status],
    ['Created', timeEl(o.created)],
    ['Profile', o.profile],
    ['Identifiers', listOrNone(o.identifiers)],
    ['Replaces', o.replaces ? h('span', {class: 'mono break'}, o.replaces) : ''],
  ]));
  (o.authorizations || []).forEach((a, i) => {
    out.appendChild(h('h3', null, `Authorization ${i + 1}: ${a.identifier}`));
    out.appendChild(definitionList([
      ['Authorization', h('span', {class: 'mono break'}, a.id)],
      ['Status', a.status],
      ['Expires', timeEl(a.expires)],
    ]));
    out.appendChild(dataTable({label: `Challenges of ${a.identifier}`, columns: [{label: 'Type'}, {label: 'Status'},
      {label: 'Validated'}], rows: (a.challenges || []).map((ch) => [ch.type, ch.status,
      ch.validated ? timeEl(ch.validated) : '—']), empty: 'No challenge recorded.'}));
    out.appendChild(h('p', {class: 'hint'}, 'Validation records (from the audit trail):'));
    out.appendChild(historyTable(a.validations || [], `Validations of ${a.identifier}`));
  });
  return out;
}

// Revocation is confirmed by typing the serial again (colons and leading zeros allowed).
function revokeDialog(c, opener, onDone) {
  const reason = h('select', {id: 'revoke-reason', name: 'reason', required: true},
    REVOCATION_REASONS.map(([value, label]) => h('option', {value}, `${label} (${value})`)));
  const note = h('textarea', {id: 'revoke-note', name: 'note', rows: '3', maxlength: '1000'});
  const serial = h('input', {id: 'revoke-confirm', name: 'confirm', type: 'text', autocomplete: 'off',
    spellcheck: 'false', 'aria-describedby': 'revoke-confirm-hint'});
  confirmDialog({
    title: 'Revoke this certificate',
    opener,
    explanation: ['Revocation cannot be undone. The certificate ', h('code', null, c.serial), ' (',
      c.names.join(', '), ') will be listed on the CRL and answered revoked by OCSP.'],
    fields: [
      h('div', {class: 'field'}, h('label', {for: 'revoke-reason'}, 'Reason'), reason),
      h('div', {class: 'field'}, h('label', {for: 'revoke-note'}, 'Note for the audit log (optional)'), note),
    ],
    confirmation: {
      node: h('div', {class: 'field'}, h('label', {for: 'revoke-confirm'}, 'Type the serial number to confirm'),
        serial, h('span', {class: 'field-hint', id: 'revoke-confirm-hint'}, c.serial)),
      input: serial,
      ready: () => normalizeSerial(serial.value) === c.serial,
    },
    submitLabel: 'Revoke certificate',
    action: async () => {
      const body = {reason: reason.value};
      if (note.value.trim()) body.note = note.value.trim();
      await api(`certificates/${c.serial}/revoke`, {method: 'POST', body});
      return body.reason;
    },
    onDone,
  });
}

async function renderDetail(main, route, ctx) {
  const serial = normalizeSerial(route.id);
  main.appendChild(h('p', {class: 'breadcrumb'}, h('a', {href: '#/certificates'}, 'Certificates'), ' / ',
    h('span', {class: 'mono'}, serial)));
  let c;
  try {
    c = await api(`certificates/${encodeURIComponent(serial)}`);
  } catch (err) {
    if (!ctx.stillCurrent()) return;
    main.appendChild(h('h1', null, 'Certificate not found'));
    if (err instanceof ApiError && err.status === 404) {
      main.appendChild(h('p', {role: 'alert', class: 'error'}, `No certificate has the serial ${serial}.`));
    } else {
      main.appendChild(errorBox(err));
    }
    return;
  }
  if (!ctx.stillCurrent()) return;
  main.appendChild(h('h1', null, 'Certificate ', h('span', {class: 'mono break'}, c.serial)));
  const headline = h('div', {class: 'headline'}, statusBadge(c.status), h('span', {class: 'names'},
    c.names.join(', ')));
  main.appendChild(headline);
  if (flash) {
    main.appendChild(notice(flash, 'success'));
    flash = null;
  }
  if (canOperate() && c.status !== 'revoked' && c.state !== 'pending' && c.state !== 'abandoned') {
    const button = h('button', {type: 'button', class: 'danger', id: 'revoke-button'}, 'Revoke…');
    button.addEventListener('click', () => revokeDialog(c, button, (reason) => {
      flash = `Certificate ${c.serial} revoked (${reason}).`;
      ctx.reload();
    }));
    headline.appendChild(button);
  }
  const revoked = c.revoked_at ? h('span', null, timeEl(c.revoked_at), ` (${c.revocation_reason || 'unspecified'})`)
    : null;
  main.appendChild(section('Details', definitionList([
    ['Serial number', h('span', {class: 'mono break'}, c.serial)],
    ['Names', h('ul', {class: 'plain'}, c.names.map((n) => h('li', null, n)))],
    ['Status', statusBadge(c.status)],
    ['State', c.state],
    ['Revoked', revoked],
    ['Not before', timeEl(c.not_before)],
    ['Not after', timeEl(c.not_after, {withRelative: true})],
    ['Renewal window (ARI)', ariWindow(c)],
    ['Issuer', c.issuer],
    ['Authority key identifier', h('a', {href: `#/certificates?issuer=${c.authority_key_id}`, class: 'mono break',
      'aria-label': `Certificates of issuer ${c.authority_key_id}`}, c.authority_key_id)],
    ['Profile', c.profile],
    ['Key type', c.key_type],
    ['Account', c.account ? h('a', {href: `#/accounts/${encodeURIComponent(c.account)}`, class: 'mono'}, c.account)
      : ''],
    ['EAB key', c.eab_kid ? `${c.eab_kid}${c.eab_label ? ` (${c.eab_label})` : ''}` : ''],
    ['Order', c.order ? h('span', {class: 'mono'}, c.order) : ''],
    ['Replaced by', c.replaced_by ? h('a', {href: `#/certificates/${c.replaced_by}`, class: 'mono'}, c.replaced_by)
      : ''],
  ])));
  if (c.decoded) main.appendChild(decodedSection(c.decoded));
  if (c.order_detail) main.appendChild(orderSection(c.order_detail));
  const pemSection = section('PEM');
  if (c.pem) {
    pemSection.appendChild(h('div', {class: 'actions'},
      pemDownload(c.serial, c.pem, 'Download certificate (PEM)', ''),
      c.chain_pem ? pemDownload(c.serial, c.pem + (c.pem.endsWith('\n') ? '' : '\n') + c.chain_pem,
        'Download with chain (PEM)', '-fullchain') : null,
      copyButton('Copy PEM', () => c.pem)));
    pemSection.appendChild(h('pre', {class: 'pem', id: 'certificate-pem'}, c.pem));
  } else {
    pemSection.appendChild(h('p', {class: 'empty'}, 'No certificate was signed (state ' + c.state + ').'));
  }
  main.appendChild(pemSection);
  const chain = splitPem(c.chain_pem);
  main.appendChild(section('Chain',
    chain.length === 0 ? h('p', {class: 'empty'}, 'No chain recorded.')
      : h('ol', {class: 'chain'}, chain.map((pem, i) => h('li', null,
        h('details', null, h('summary', null, i === 0 ? 'Issuer certificate' : `Certificate ${i + 1} of the chain`),
          h('pre', {class: 'pem'}, pem)))))));
  main.appendChild(section('History', historyTable(c.history || [], 'Certificate history')));
}

export async function render(main, route, ctx) {
  if (route.id !== undefined) return renderDetail(main, route, ctx);
  return renderList(main, route, ctx);
}
