// #/policies: each policy's rules (read-only; docs/policy.md) and where it applies: what GET /policies says
// (every request, the profiles naming it, the usable enrollment tokens carrying it) and the accounts bound to it
// with `account set-policy` (from the first 1000 accounts' own records).

import {api} from './api.js';
import {h, section, definitionList, errorBox} from './ui.js';

const RULES = [
  ['allowed_domains', 'Allowed domains'],
  ['denied_domains', 'Denied domains'],
  ['allowed_ip_ranges', 'Allowed IP ranges'],
  ['denied_ip_ranges', 'Denied IP ranges'],
  ['identifier_types', 'Identifier types'],
  ['challenge_types', 'Challenge types'],
  ['profiles', 'Profiles'],
  ['key_types', 'Key types'],
  ['allow_wildcards', 'Wildcards'],
  ['max_identifiers', 'Most identifiers per order'],
  ['max_validity_seconds', 'Longest validity'],
];

function duration(seconds) {
  if (seconds === null || seconds === undefined || seconds === 0) return 'the profile\'s validity';
  if (seconds % 86400 === 0) return `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  return `${seconds} seconds`;
}

function ruleValue(key, value) {
  if (key === 'allow_wildcards') return value ? 'allowed' : 'refused';
  if (key === 'max_validity_seconds') return duration(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return h('span', {class: 'muted'}, 'any');
    return h('ul', {class: 'plain'}, value.map((v) => h('li', null, h('code', null, v))));
  }
  return String(value);
}

function appliesTo(policy, accounts) {
  const items = [];
  const where = policy.applies_to || {every_request: policy.name === 'default', profiles: [], eab_keys: []};
  if (where.every_request) items.push(h('li', null, 'every request (the default policy)'));
  for (const p of where.profiles || []) items.push(h('li', null, 'requests for the profile ', h('code', null, p)));
  for (const kid of where.eab_keys || []) {
    items.push(h('li', null, 'accounts made with the enrollment token ', h('code', null, kid)));
  }
  for (const a of accounts.filter((x) => x.policy === policy.name)) {
    items.push(h('li', null, 'the account ', h('a', {href: `#/accounts/${encodeURIComponent(a.id)}`, class: 'mono'},
      a.id)));
  }
  if (items.length === 0) return h('p', {class: 'muted'}, 'Nothing binds it at the moment.');
  return h('ul', {class: 'applies'}, items);
}

export async function render(main, route, ctx) {
  main.appendChild(h('h1', null, 'Policies'));
  main.appendChild(h('p', {class: 'hint'}, 'Read-only. Policies are defined in the configuration file or with '
    + 'the admin API (PUT /admin/v1/policies/NAME, anvil-ca policy define).'));
  const [policies, accounts] = await Promise.all([
    api('policies'),
    api('accounts', {query: {limit: 1000}}).catch(() => ({accounts: []})),
  ]).catch((err) => {
    main.appendChild(errorBox(err));
    return [null];
  });
  if (!ctx.stillCurrent() || !policies) return;
  for (const p of policies.policies) {
    const rules = definitionList(RULES.filter(([key]) => key in (p.rules || {})).map(([key, label]) =>
      [label, ruleValue(key, p.rules[key])]), 'fields rules');
    main.appendChild(section(`${p.name}`,
      h('p', null, h('span', {class: ['badge', 'source']}, p.source === 'api' ? 'defined at run time'
        : 'configuration file')),
      h('h3', null, 'Rules'), rules,
      h('h3', null, 'Applies to'), appliesTo(p, accounts.accounts || [])));
  }
  if (policies.policies.length === 0) main.appendChild(h('p', {class: 'empty'}, 'No policy.'));
}
