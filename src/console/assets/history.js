// Audit records (docs/audit.md) as table rows: who acted and a one-line summary of the details, the full
// details a click away. Shared by the audit log and the certificate and account pages.

import {h, timeEl, dataTable} from './ui.js';

// Who acted: the admin API's caller, the requester of a revocation or policy change, or the ACME account.
export function actorOf(record) {
  const d = record.details && typeof record.details === 'object' ? record.details : {};
  if (record.kind === 'admin.request') {
    if (d.caller && d.caller.name) return `${d.caller.name} (${d.caller.role})`;
    return 'unauthenticated';
  }
  if (typeof d.requester === 'string' && d.requester) return d.requester;
  // The console's log-ins and log-outs (admin.login, admin.logout) name who.
  if (record.kind.startsWith('admin.') && typeof d.name === 'string' && d.name) return d.name;
  if (record.account) return `account ${record.account}`;
  return '';
}

function shortValue(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(shortValue).join(', ');
  if (typeof v === 'object') {
    if (typeof v.value === 'string') return v.value;  // an identifier
    return JSON.stringify(v);
  }
  return String(v);
}

// A one-line summary of the details: the admin API's request line, else the first few fields.
export function summaryOf(record) {
  const d = record.details;
  if (d === null || d === undefined) return '';
  if (typeof d === 'string') return d.length > 160 ? `${d.slice(0, 157)}…` : d;
  if (record.kind === 'admin.request') {
    return `${d.method || ''} ${d.path || ''}${d.query ? `?${d.query}` : ''} → ${d.status} ${d.outcome || ''}`.trim();
  }
  const parts = [];
  for (const [k, v] of Object.entries(d)) {
    if (k === 'requester') continue;
    const text = shortValue(v);
    if (text === '') continue;
    parts.push(`${k}: ${text}`);
    if (parts.join('; ').length > 140) break;
  }
  const line = parts.join('; ');
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}

function detailsCell(record) {
  const summary = summaryOf(record);
  if (record.details === null || record.details === undefined || record.details === '') return summary;
  return h('details', {class: 'record-details'},
    h('summary', null, summary || 'details'),
    h('pre', null, typeof record.details === 'string' ? record.details : JSON.stringify(record.details, null, 2)));
}

export function recordRow(record) {
  return [
    String(record.id),
    timeEl(record.at),
    h('code', {class: 'kind'}, record.kind),
    h('span', {class: 'mono break'}, record.subject || ''),
    actorOf(record),
    detailsCell(record),
  ];
}

export const RECORD_COLUMNS = [{label: 'ID'}, {label: 'Time'}, {label: 'Kind'}, {label: 'Subject'},
  {label: 'Actor'}, {label: 'Details'}];

export function historyTable(records, label) {
  return dataTable({label, columns: RECORD_COLUMNS, rows: records.map(recordRow), empty: 'No audit record.',
    className: 'records'});
}
