// anvil-ca's operator console: a small hash router over the admin API (docs/console.md). Each page is a
// module exporting render(main, route); the router clears <main>, lets the page fill it, and moves the focus
// to the page's <h1> so keyboard and screen-reader users land on the new content.

import {loadSession, currentSession, logOut, ApiError, LOGIN_URL} from './api.js';
import {h, clear, errorBox} from './ui.js';
import * as overview from './page-overview.js';
import * as certificates from './page-certificates.js';
import * as accounts from './page-accounts.js';
import * as tokens from './page-tokens.js';
import * as audit from './page-audit.js';
import * as policies from './page-policies.js';

// [pattern, page, nav entry]: the first match wins.
const ROUTES = [
  [/^\/$/, overview, 'overview'],
  [/^\/certificates$/, certificates, 'certificates'],
  [/^\/certificates\/([^/]+)$/, certificates, 'certificates'],
  [/^\/accounts$/, accounts, 'accounts'],
  [/^\/accounts\/([^/]+)$/, accounts, 'accounts'],
  [/^\/tokens$/, tokens, 'tokens'],
  [/^\/audit$/, audit, 'audit'],
  [/^\/policies$/, policies, 'policies'],
];

// "#/certificates?status=revoked" → {path: '/certificates', params: URLSearchParams, id: undefined}
export function parseHash(hash) {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const [pathPart, query = ''] = raw.split('?');
  const path = pathPart || '/';
  return {path, params: new URLSearchParams(query)};
}

let renderSerial = 0;

async function render() {
  const hash = location.hash || '#/';
  if (!hash.startsWith('#/')) return;  // an in-page anchor (the skip link), not a route
  const route = parseHash(hash);
  const main = document.getElementById('main');
  let page = null;
  let navKey = null;
  for (const [pattern, module, key] of ROUTES) {
    const m = route.path.match(pattern);
    if (m) {
      page = module;
      navKey = key;
      route.id = m[1] === undefined ? undefined : decodeURIComponent(m[1]);
      break;
    }
  }
  for (const a of document.querySelectorAll('nav[aria-label="Console"] a')) {
    if (a.dataset.nav === navKey) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  closeMenu();
  const serial = ++renderSerial;
  clear(main);
  main.setAttribute('aria-busy', 'true');
  delete main.dataset.route;
  if (!page) {
    main.appendChild(h('h1', {tabindex: '-1'}, 'Page not found'));
    main.appendChild(h('p', null, 'No such page. ', h('a', {href: '#/'}, 'Go to the overview'), '.'));
    document.title = 'Not found · anvil-ca console';
  } else {
    try {
      // A page checks stillCurrent() after each await, so a slow answer does not paint over a newer page.
      await page.render(main, route, {stillCurrent: () => serial === renderSerial, reload: render});
    } catch (err) {
      if (serial !== renderSerial) return;
      if (err instanceof ApiError && err.status === 401) return;  // on its way to the log-in page
      if (!main.querySelector('h1')) main.appendChild(h('h1', {tabindex: '-1'}, 'Error'));
      main.appendChild(errorBox(err));
    }
  }
  if (serial !== renderSerial) return;
  main.removeAttribute('aria-busy');
  // Which route the content shows, once it is all there (the browser tests wait for it).
  main.dataset.route = hash;
  const h1 = main.querySelector('h1');
  if (h1) {
    h1.setAttribute('tabindex', '-1');
    document.title = `${h1.textContent} · anvil-ca console`;
    if (!route.keepFocus) h1.focus({preventScroll: false});
  }
}

function closeMenu() {
  const button = document.getElementById('menu-button');
  const list = document.getElementById('nav-list');
  if (!button || !list) return;
  button.setAttribute('aria-expanded', 'false');
  list.classList.remove('open');
}

function setUpHeader(session) {
  document.getElementById('user-name').textContent = session.name;
  document.getElementById('user-role').textContent = `${session.role}, ${session.credential}`;
  // Log out with fetch and the CSRF header, so that a refusal can be shown in the page. The form (with the
  // token as a field, which the server also accepts) is what remains without this script.
  document.getElementById('logout-csrf').value = session.csrf_token;
  const logoutForm = document.getElementById('logout-form');
  logoutForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = logoutForm.querySelector('button');
    button.disabled = true;
    let ended = false;
    try {
      ended = await logOut();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;  // already ended: on its way to the log-in page
    }
    if (ended) {
      location.assign(LOGIN_URL);
      return;
    }
    button.disabled = false;
    const main = document.getElementById('main');
    main.insertBefore(h('p', {class: 'error', role: 'alert'}, 'Log-out failed: the session is still open.'),
      main.firstChild);
  });
  const menu = document.getElementById('menu-button');
  menu.addEventListener('click', () => {
    const list = document.getElementById('nav-list');
    const open = menu.getAttribute('aria-expanded') !== 'true';
    menu.setAttribute('aria-expanded', String(open));
    list.classList.toggle('open', open);
  });
  document.getElementById('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    const h1 = document.querySelector('#main h1');
    (h1 || document.getElementById('main')).focus();
  });
}

async function start() {
  let session;
  try {
    session = await loadSession();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;  // on its way to the log-in page
    const main = document.getElementById('main');
    clear(main);
    main.appendChild(h('h1', {tabindex: '-1'}, 'The console cannot start'));
    main.appendChild(errorBox(err));
    main.appendChild(h('p', null, h('a', {href: LOGIN_URL}, 'Log in again')));
    return;
  }
  setUpHeader(session);
  document.body.classList.add(`role-${currentSession().role}`);
  window.addEventListener('hashchange', render);
  await render();
}

start();
