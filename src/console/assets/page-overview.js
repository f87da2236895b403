// #/ Overview: counts by status, the certificates that will cause an outage (expiring, not replaced), the
// expiry timeline by profile, issuance and revocation per day, and the CA's health. From
// GET /admin/v1/overview; without that endpoint, the counts come from /certificates and the rest says it is
// not available.

import {api, ApiError} from './api.js';
import {h, section, timeEl, relative, errorBox, dataTable, parseTime, plural, addDaysIso} from './ui.js';
import {stackedBars, dayRange} from './charts.js';

const STATUSES = [
  ['valid', 'Valid'],
  ['expiring', 'Expiring'],
  ['expired', 'Expired'],
  ['revoked', 'Revoked'],
];
const WINDOWS = [
  ['day', 1, 'Within 24 hours'],
  ['week', 7, 'Within 7 days'],
  ['month', 30, 'Within 30 days'],
];
const FALLBACK_LIMIT = 1000;

export function expiringLink(days) {
  return `#/certificates?status=expiring&expiring_within_days=${days}`;
}

// Without /overview: count each status from the listing, one page of at most 1000 ("1000+" beyond).
async function fallbackCounts() {
  const count = async (query) => {
    const page = await api('certificates', {query: {...query, limit: FALLBACK_LIMIT}});
    return {n: page.certificates.length, more: Boolean(page.next_cursor)};
  };
  const counts = {};
  for (const [status] of STATUSES) counts[status] = await count({status});
  const expiring = {};
  for (const [key, days] of WINDOWS) expiring[key] = await count({expiring_within_days: days});
  return {counts, expiring};
}

function countText(v) {
  if (typeof v === 'number') return v.toLocaleString('en');
  return `${v.n.toLocaleString('en')}${v.more ? '+' : ''}`;
}

function countsSection(counts) {
  return section('Certificates by status',
    h('ul', {class: 'stat-cards'}, STATUSES.map(([status, label]) =>
      h('li', {class: ['stat-card', `stat-${status}`]},
        h('a', {href: `#/certificates?status=${status}`},
          h('span', {class: 'stat-number', dataset: {status}}, countText(counts[status] ?? 0)),
          h('span', {class: 'stat-label'}, label))))));
}

function expiringSection(expiring) {
  return section('Expiring and not replaced',
    h('p', {class: 'hint'}, 'Certificates that are not revoked and have no replacement yet: the ones that will '
      + 'cause an outage.'),
    h('ul', {class: 'stat-cards'}, WINDOWS.map(([key, days, label]) => {
      const v = expiring[key] ?? 0;
      const n = typeof v === 'number' ? v : v.n;
      return h('li', {class: ['stat-card', n > 0 ? 'stat-warn' : 'stat-ok']},
        h('a', {href: expiringLink(days)},
          h('span', {class: 'stat-number', dataset: {window: key}}, countText(v)),
          h('span', {class: 'stat-label'}, label)));
    })));
}

function timelineSection(ov) {
  const today = (ov.now || new Date().toISOString()).slice(0, 10);
  const byDay = new Map();
  const profiles = new Set();
  // 90 days from now end on the 91st calendar day (UTC), and a day the server counts is always drawn.
  let last = addDaysIso(today, 90);
  for (const entry of ov.timeline || []) {
    byDay.set(entry.date, entry.profiles || {});
    if (entry.date > last) last = entry.date;
    for (const name of Object.keys(entry.profiles || {})) profiles.add(name);
  }
  const days = dayRange(today, Math.round((Date.parse(last) - Date.parse(today)) / 86400e3) + 1);
  const series = [...profiles].sort();
  const total = [...byDay.values()].reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
  return section('Expiry timeline, next 90 days',
    h('p', {class: 'hint'}, `${plural(total, 'certificate')} by not-after date (UTC), stacked by profile.`),
    series.length === 0 ? h('p', {class: 'empty'}, 'No certificate expires in the next 90 days.')
      : stackedBars({title: 'Certificates expiring per day, by profile',
        description: `Next 90 days from ${today}; ${plural(total, 'certificate')}.`,
        days, byDay, series, tableLabel: 'Expiry timeline numbers'}));
}

function activitySection(ov) {
  const today = (ov.now || new Date().toISOString()).slice(0, 10);
  // The last 30 days, ending today.
  const first = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86400e3).toISOString().slice(0, 10);
  const range = dayRange(first, 30);
  const byDay = new Map();
  let issued = 0;
  let revoked = 0;
  for (const entry of ov.activity || []) {
    byDay.set(entry.date, {issued: entry.issued || 0, revoked: entry.revoked || 0});
    issued += entry.issued || 0;
    revoked += entry.revoked || 0;
  }
  return section('Issuance and revocation, last 30 days',
    h('p', {class: 'hint'}, `${plural(issued, 'certificate')} issued, ${revoked.toLocaleString('en')} revoked.`),
    stackedBars({title: 'Certificates issued and revoked per day',
      description: `Last 30 days to ${today}: ${issued} issued, ${revoked} revoked.`,
      days: range, byDay, series: ['issued', 'revoked'], every: 7, tableLabel: 'Issuance and revocation numbers'}));
}

function healthSection(ov) {
  const ca = ov.ca || {};
  const now = parseTime(ov.now) ?? Date.now();
  const issuers = (ca.issuers || []).map((i) => {
    const left = (parseTime(i.not_after) - now) / 86400e3;
    const state = left < 0 ? 'expired' : left < 30 ? 'expiring' : 'valid';
    return [i.name, timeEl(i.not_after), h('span', {class: ['badge', `status-${state}`]},
      left < 0 ? 'expired' : `${Math.floor(left)} days left`), i.current ? 'yes' : 'no'];
  });
  const crls = (ca.crls || []).map((c) => {
    const stale = parseTime(c.next_update) !== null && parseTime(c.next_update) < now;
    return [c.issuer, h('span', null, timeEl(c.this_update), h('span', {class: 'muted'},
      ` (${relative(c.this_update, now)})`)), timeEl(c.next_update),
    h('span', {class: ['badge', stale ? 'status-expired' : 'status-valid']}, stale ? 'stale' : 'fresh')];
  });
  return section('CA health',
    h('h3', null, 'Issuers'),
    dataTable({label: 'Issuers', columns: [{label: 'Issuer'}, {label: 'Not after'}, {label: 'Expiry'},
      {label: 'Current'}], rows: issuers, empty: 'No issuer reported.'}),
    h('h3', null, 'CRLs'),
    dataTable({label: 'CRLs', columns: [{label: 'Issuer'}, {label: 'This update'}, {label: 'Next update'},
      {label: 'Age'}], rows: crls, empty: 'No CRL published (no publication listener?).'}),
    h('p', null, 'Last issuance: ', ca.last_issuance ? h('span', null, timeEl(ca.last_issuance),
      h('span', {class: 'muted'}, ` (${relative(ca.last_issuance, now)})`)) : h('span', {class: 'muted'}, 'none yet')));
}

export async function render(main, route, ctx) {
  main.appendChild(h('h1', null, 'Overview'));
  let ov = null;
  try {
    ov = await api('overview');
  } catch (err) {
    if (!(err instanceof ApiError) || (err.status !== 404 && err.status !== 405)) throw err;
  }
  if (!ctx.stillCurrent()) return;
  if (ov) {
    main.appendChild(h('p', {class: 'hint'}, 'As of ', timeEl(ov.now), '.'));
    main.appendChild(h('div', {class: 'grid-2'}, countsSection(ov.counts || {}),
      expiringSection(ov.expiring_unreplaced || {})));
    main.appendChild(timelineSection(ov));
    main.appendChild(activitySection(ov));
    main.appendChild(healthSection(ov));
    return;
  }
  let fallback;
  try {
    fallback = await fallbackCounts();
  } catch (err) {
    if (!ctx.stillCurrent()) return;
    main.appendChild(errorBox(err));
    return;
  }
  if (!ctx.stillCurrent()) return;
  main.appendChild(h('p', {class: 'notice notice-info', role: 'status'}, 'The overview endpoint is not available '
    + `on this server: counts below are from the certificate listing (at most ${FALLBACK_LIMIT} each).`));
  main.appendChild(h('div', {class: 'grid-2'}, countsSection(fallback.counts), expiringSection(fallback.expiring)));
  main.appendChild(section('Expiry timeline, next 90 days', h('p', {class: 'empty'}, 'Not available.')));
  main.appendChild(section('Issuance and revocation, last 30 days', h('p', {class: 'empty'}, 'Not available.')));
  main.appendChild(section('CA health', h('p', {class: 'empty'}, 'Not available.')));
}
