// The console's calls: the session (/console/session) and the admin API (/admin/v1, docs/admin-api.md).
// The browser's session cookie authenticates; every request other than GET/HEAD carries the session's CSRF
// token in X-CSRF-Token. A 401 from any call means the session ended: the browser goes to the log-in page.

export const LOGIN_URL = '/console/login';
export const ADMIN_BASE = '/admin/v1';

// The ACME directory shown in the ready-to-paste command lines when /console/session does not name one
// (`acme_directory`): the console's host name with anvil-ca's default ACME port.
export const DEFAULT_ACME_PORT = 14000;

let session = null;

export function currentSession() {
  return session;
}

export function canOperate() {
  return session !== null && (session.role === 'operator' || session.role === 'admin');
}

export function acmeDirectory() {
  if (session && session.acme_directory) return session.acme_directory;
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return `https://${host}:${DEFAULT_ACME_PORT}/directory`;
}

// A problem document (RFC 9457) or a transport error.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem && problem.detail ? problem.detail : `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

function toLogin() {
  location.assign(LOGIN_URL);
}

async function send(url, {method = 'GET', body, accept = 'application/json'} = {}) {
  const headers = {Accept: `${accept}, application/problem+json`};
  if (method !== 'GET' && method !== 'HEAD') {
    headers['X-CSRF-Token'] = session ? session.csrf_token : '';
  }
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, {title: 'Network error', detail: String(e.message || e)});
  }
  if (res.status === 401) {
    toLogin();
    throw new ApiError(401, {title: 'Session ended', status: 401, detail: 'log in again'});
  }
  return res;
}

async function readJson(res) {
  const type = res.headers.get('Content-Type') || '';
  if (!type.includes('json')) return null;
  try {
    return await res.json();
  } catch (e) {
    return null;
  }
}

export async function loadSession() {
  const res = await send('/console/session');
  const data = await readJson(res);
  if (!res.ok || !data) throw new ApiError(res.status, data);
  session = data;
  return session;
}

// api('certificates', {query: {status: 'valid'}}) → the JSON answer; throws ApiError otherwise.
export async function api(path, {method = 'GET', query, body} = {}) {
  let url = `${ADMIN_BASE}/${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  const res = await send(url, {method, body});
  const data = await readJson(res);
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// Ends the session (POST /console/logout with the CSRF header) → true when the server ended it.
export async function logOut() {
  const res = await send('/console/logout', {method: 'POST', accept: 'text/html'});
  return res.ok;  // the 303 to /console/login, followed
}

// A QR code (SVG) of `text` from the console, as a Blob; null when the server has no QR endpoint (404).
export async function qrCode(text) {
  const res = await send('/console/qr', {method: 'POST', body: {text}, accept: 'image/svg+xml'});
  if (res.status === 404) return null;
  if (!res.ok) throw new ApiError(res.status, await readJson(res));
  return res.blob();
}

// Serials may be typed with colons, 0x or upper case; the API's listing uses lower-case hex.
export function normalizeSerial(text) {
  let v = String(text || '').trim().toLowerCase().replace(/[:\s]/g, '');
  if (v.startsWith('0x')) v = v.slice(2);
  return v;
}
