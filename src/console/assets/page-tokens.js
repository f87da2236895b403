// #/tokens: enrollment tokens, the EAB keys of RFC 8555 §7.3.4 (operator and admin). A new key's HMAC key is
// in the creation's answer only: the page shows it once, with copy buttons, ready-to-paste anvil and certbot
// command lines and a QR code for devices, and forgets it when the page is left.

import {api, canOperate, acmeDirectory, qrCode, ApiError} from './api.js';
import {h, clear, section, timeEl, statusBadge, dataTable, errorBox, confirmDialog, understandCheckbox, copyButton, notice, uid, field}
  from './ui.js';

// The name put in the command lines; the person pasting them replaces it.
export const EXAMPLE_NAME = 'host.example.com';
let flash = null;

function uses(k) {
  return k.max_uses === 0 ? `${k.uses} / any` : `${k.uses} / ${k.max_uses}`;
}

// "--eab-kid=KID": a kid or key is base64url and may start with "-", which a separate word would make an option.
export function commandLines(kid, hmacKey) {
  const server = acmeDirectory();
  return {
    anvil: `anvil issue --server ${server} --eab-kid=${kid} --eab-hmac-key=${hmacKey} -d ${EXAMPLE_NAME}`,
    certbot: `certbot certonly --server ${server} --eab-kid=${kid} --eab-hmac-key=${hmacKey} -d ${EXAMPLE_NAME}`,
  };
}

function secretRow(label, value, id) {
  return h('div', {class: 'secret'},
    h('span', {class: 'secret-label'}, label),
    h('code', {class: 'secret-value break', id}, value),
    copyButton(`Copy ${label}`, () => value));
}

async function showCreated(container, key) {
  const lines = commandLines(key.kid, key.hmac_key);
  const headingId = uid('created');
  const box = h('section', {class: 'created', 'aria-labelledby': headingId, id: 'new-token'},
    h('h2', {id: headingId, tabindex: '-1'}, `Token ${key.kid} created`),
    notice('The HMAC key is shown only now: copy it before leaving this page.', 'warning'),
    secretRow('Key ID', key.kid, 'new-kid'),
    secretRow('HMAC key', key.hmac_key, 'new-hmac'),
    h('h3', null, 'With anvil'),
    h('pre', {class: 'command', id: 'command-anvil'}, lines.anvil),
    copyButton('Copy anvil command', () => lines.anvil),
    h('h3', null, 'With certbot'),
    h('pre', {class: 'command', id: 'command-certbot'}, lines.certbot),
    copyButton('Copy certbot command', () => lines.certbot),
    h('p', {class: 'hint'}, `Replace ${EXAMPLE_NAME} with the device's name.`));
  clear(container);
  container.appendChild(box);
  box.querySelector('h2').focus();
  try {
    const blob = await qrCode(lines.anvil);
    if (blob && box.isConnected) {
      const url = URL.createObjectURL(blob);
      box.appendChild(h('h3', null, 'QR code'));
      box.appendChild(h('img', {src: url, class: 'qr', id: 'new-qr', width: '240', height: '240',
        alt: 'QR code of the anvil command line'}));
    }
  } catch (err) {
    if (box.isConnected) box.appendChild(notice(`No QR code: ${err.message}`, 'info'));
  }
}

function createForm(policies, resultBox, ctx) {
  const label = h('input', {id: 'token-label', name: 'label', type: 'text', autocomplete: 'off', maxlength: '200'});
  const policy = h('select', {id: 'token-policy', name: 'policy'},
    h('option', {value: ''}, 'none (the default policy only)'),
    policies.filter((p) => p.name !== 'default').map((p) => h('option', {value: p.name}, p.name)));
  const days = h('input', {id: 'token-expiry', name: 'expires_in_days', type: 'number', min: '1', max: '36500',
    inputmode: 'numeric'});
  const maxUses = h('input', {id: 'token-uses', name: 'max_uses', type: 'number', min: '0', value: '1',
    inputmode: 'numeric', required: true});
  const message = h('div', {class: 'form-message'});
  const submit = h('button', {type: 'submit'}, 'Create token');
  const form = h('form', {class: 'create-token'},
    h('div', {class: 'field-row'},
      field('Label', label, 'who or what the token is for'),
      field('Policy', policy),
      field('Expires in days', days, 'empty: never'),
      field('Maximum uses', maxUses, 'accounts it may bind; 0: any number')),
    message,
    h('div', {class: 'actions'}, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(message);
    const body = {max_uses: Number(maxUses.value || 1)};
    if (label.value.trim()) body.label = label.value.trim();
    if (policy.value) body.policy = policy.value;
    if (days.value) body.expires_in_seconds = Math.round(Number(days.value) * 86400);
    submit.disabled = true;
    try {
      const key = await api('eab-keys', {method: 'POST', body});
      form.reset();
      await showCreated(resultBox, key);
      await refreshTable(ctx);
    } catch (err) {
      message.appendChild(errorBox(err));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function revokeDialog(key, opener, onDone) {
  confirmDialog({
    title: 'Revoke this enrollment token',
    opener,
    explanation: ['The token ', h('code', null, key.kid), key.label ? ` (${key.label})` : '',
      ' will bind no more accounts. Accounts it bound already keep working.'],
    confirmation: understandCheckbox('token-revoke-confirm'),
    submitLabel: 'Revoke token',
    action: () => api(`eab-keys/${encodeURIComponent(key.kid)}/revoke`, {method: 'POST'}),
    onDone,
  });
}

let tableSection = null;

async function refreshTable(ctx) {
  if (!tableSection) return;
  const body = tableSection.querySelector('.table-body');
  let list;
  try {
    list = await api('eab-keys');
  } catch (err) {
    clear(body).appendChild(errorBox(err));
    return;
  }
  if (!ctx.stillCurrent()) return;
  clear(body);
  if (flash) {
    body.appendChild(notice(flash, 'success'));
    flash = null;
  }
  // Newest first: the one just made is at the top.
  const keys = [...list.keys].sort((a, b) => String(b.created).localeCompare(String(a.created)));
  body.appendChild(dataTable({
    label: 'Enrollment tokens',
    columns: [{label: 'Key ID'}, {label: 'Label'}, {label: 'Policy'}, {label: 'Uses'}, {label: 'State'},
      {label: 'Created'}, {label: 'Expires'}, {label: 'First account'}, {label: 'Actions'}],
    rows: keys.map((k) => {
      let action = h('span', {class: 'muted'}, '—');
      if (k.state !== 'revoked') {
        action = h('button', {type: 'button', class: 'danger small', 'aria-label': `Revoke token ${k.kid}`},
          'Revoke…');
        action.addEventListener('click', () => revokeDialog(k, action, () => {
          flash = `Token ${k.kid} revoked.`;
          refreshTable(ctx);
        }));
      }
      return [
        h('span', {class: 'mono break'}, k.kid),
        k.label || h('span', {class: 'muted'}, '—'),
        k.policy || h('span', {class: 'muted'}, '—'),
        uses(k),
        statusBadge(k.state),
        timeEl(k.created),
        k.expires ? timeEl(k.expires) : 'never',
        k.first_account ? h('a', {href: `#/accounts/${encodeURIComponent(k.first_account)}`, class: 'mono'},
          k.first_account) : h('span', {class: 'muted'}, '—'),
        action,
      ];
    }),
    empty: 'No enrollment token yet.',
  }));
}

export async function render(main, route, ctx) {
  main.appendChild(h('h1', null, 'Enrollment tokens'));
  main.appendChild(h('p', {class: 'hint'}, 'External account binding keys (RFC 8555 §7.3.4): a client registering '
    + 'with one is bound to its label and policy.'));
  if (!canOperate()) {
    main.appendChild(h('p', {class: 'notice notice-info', id: 'tokens-role-needed'},
      'Enrollment tokens need the operator role: your role is viewer.'));
    return;
  }
  let policies = [];
  try {
    policies = (await api('policies')).policies || [];
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
  }
  if (!ctx.stillCurrent()) return;
  const result = h('div', {class: 'created-box'});
  main.appendChild(section('New token', createForm(policies, result, ctx)));
  main.appendChild(result);
  tableSection = section('Tokens', h('div', {class: 'table-body'}));
  main.appendChild(tableSection);
  await refreshTable(ctx);
}
