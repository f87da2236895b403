// The console (docs/console.md) in Debian's chromium, driven by playwright-core, with axe-core on every page.
// Run by tests/browser/console.sh, which starts anvil-ca, populates it with real clients and passes:
//   CONSOLE_URL (https://127.0.0.1:PORT, the admin listener), ROOT_PEM (anvil-ca's root, for this script's own
//   HTTPS calls), ACME_DIRECTORY, OPERATOR_TOKEN / OPERATOR_NAME, VIEWER_TOKEN / VIEWER_NAME, ADMIN_CERT /
//   ADMIN_KEY / ADMIN_CERT_NAME (an admin client certificate), REVOKE_NAME (the certificate revoked in the
//   browser), KEEP_NAME (one that must stay valid), SHORT_NAME (a short-lived one, expiring within 7 days),
//   SPARE_CONTACT (the account deactivated in the browser), EAB_NAME, EAB_OUT (where the new enrollment token is
//   written), EAB_KID (phase viewer: the token the shell used), ANVIL_ARTIFACTS, CHROMIUM.
// Usage: node console_test.mjs operator|viewer
//
// Every page visited is checked the same way (checkPage): one <main> with one <h1>, the console's <nav>, no
// inline script, style attribute or on* handler attribute, zero axe-core violations, and a screenshot.
// Anything the browser reports about the Content-Security-Policy, and any uncaught script error, fails the run.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import {createRequire} from 'node:module';
import {chromium} from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set (run tests/browser/console.sh)`);
  return v;
}

const PHASE = process.argv[2];
const CONSOLE = env('CONSOLE_URL');
const ROOT_PEM = fs.readFileSync(env('ROOT_PEM'));
const ARTIFACTS = env('ANVIL_ARTIFACTS');
const LAPTOP = {width: 1366, height: 900};
const PHONE = {width: 390, height: 844};
const CSP_WORDS = /Content[- ]Security[- ]Policy|Refused to (load|execute|apply|connect|frame|evaluate)/i;

const browserLog = [];
const cspViolations = [];
const pageErrors = [];
let shots = 0;

function log(text) {
  console.log(`[${PHASE}] ${text}`);
}

// ---- this script's own HTTPS calls, verifying anvil-ca's certificate against its root ----------------------

function request(method, urlPath, {headers = {}, body} = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(`${CONSOLE}${urlPath}`, {method, ca: ROOT_PEM, headers}, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({status: res.statusCode, headers: res.headers,
        body: Buffer.concat(chunks).toString('utf8')}));
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body); else req.end();
  });
}

// ---- the browser ---------------------------------------------------------------------------------------------

async function launch() {
  const args = [];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args});
}

// A browser context. anvil-ca's TLS certificate is issued by its own root, which chromium's store does not hold:
// the context ignores certificate errors, and this script's own calls (request above) check the certificate.
async function newContext(browser, {viewport = LAPTOP, clientCertificates, storageState} = {}) {
  const context = await browser.newContext({
    viewport,
    ignoreHTTPSErrors: true,
    acceptDownloads: true,
    clientCertificates,
    storageState,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], {origin: CONSOLE});
  context.on('page', watchPage);
  return context;
}

function watchPage(page) {
  page.setDefaultTimeout(20000);
  page.on('console', (msg) => {
    const line = `${msg.type()}: ${msg.text()} (${page.url()})`;
    browserLog.push(line);
    if (CSP_WORDS.test(msg.text())) cspViolations.push(line);
  });
  page.on('pageerror', (err) => {
    pageErrors.push(`${err.message} (${page.url()})`);
    browserLog.push(`pageerror: ${err.stack || err.message}`);
  });
  page.on('requestfailed', (req) => {
    browserLog.push(`requestfailed: ${req.method()} ${req.url()}: ${req.failure() && req.failure().errorText}`);
  });
}

async function newPage(context) {
  const page = await context.newPage();
  return page;
}

// Waits until the console has rendered the route now in the address bar (app.js sets data-route when done).
async function settled(page, hashPrefix) {
  await page.waitForFunction((prefix) => {
    const main = document.getElementById('main');
    return main && !main.hasAttribute('aria-busy') && main.dataset.route === (location.hash || '#/')
      && (location.hash || '#/').startsWith(prefix);
  }, hashPrefix);
}

async function go(page, hash) {
  await page.goto(`${CONSOLE}/console/${hash}`);
  await settled(page, hash.split('?')[0]);
}

async function clickNav(page, name, hashPrefix) {
  await page.getByRole('navigation', {name: 'Console'}).getByRole('link', {name, exact: true}).click();
  await settled(page, hashPrefix);
}

async function axe(page, label) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    // Every rule axe-core runs by default (WCAG 2.0/2.1 A and AA and the best practices).
    const r = await window.axe.run(document, {resultTypes: ['violations']});
    return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`)}));
  });
  if (result.length) {
    const text = result.map((v) => `  ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');
    assert.fail(`axe-core: ${result.length} violation(s) on ${label}:\n${text}`);
  }
}

async function screenshot(page, name) {
  shots += 1;
  const file = path.join(ARTIFACTS, `${PHASE}-${String(shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({path: file, fullPage: true});
  return file;
}

// The checks of every page: structure, CSP hygiene, axe-core, a screenshot.
async function checkPage(page, name, {console = true} = {}) {
  const facts = await page.evaluate(() => {
    const handlers = [];
    for (const el of document.querySelectorAll('*')) {
      for (const a of el.getAttributeNames()) if (/^on/i.test(a)) handlers.push(`${el.tagName} ${a}`);
    }
    return {
      mains: document.querySelectorAll('main').length,
      h1s: [...document.querySelectorAll('main h1')].map((e) => e.textContent.trim()),
      allH1: document.querySelectorAll('h1').length,
      nav: document.querySelectorAll('nav[aria-label="Console"]').length,
      inlineScripts: document.querySelectorAll('script:not([src])').length,
      // Non-empty ones: axe-core's own checks leave an empty style="" behind on elements they looked at.
      styleAttributes: [...document.querySelectorAll('[style]:not([style=""])')].map((e) => e.outerHTML.slice(0, 120)),
      styleElements: document.querySelectorAll('style').length,
      handlers,
      lang: document.documentElement.lang,
    };
  });
  assert.equal(facts.mains, 1, `${name}: one <main>`);
  assert.equal(facts.h1s.length, 1, `${name}: one <h1> in <main>, got ${JSON.stringify(facts.h1s)}`);
  assert.equal(facts.allH1, 1, `${name}: one <h1> on the page`);
  if (console) assert.equal(facts.nav, 1, `${name}: the console's <nav aria-label="Console">`);
  assert.equal(facts.inlineScripts, 0, `${name}: no inline <script>`);
  assert.deepEqual(facts.styleAttributes, [], `${name}: no style attribute`);
  assert.equal(facts.styleElements, 0, `${name}: no <style> element`);
  assert.deepEqual(facts.handlers, [], `${name}: no on* handler attributes`);
  assert.equal(facts.lang, 'en', `${name}: lang="en"`);
  await axe(page, name);
  await screenshot(page, name);
  log(`page ${name}: ${facts.h1s[0]}: structure, axe-core and screenshot OK`);
  return facts.h1s[0];
}

// fetch() from inside the page, with the session's cookie (and the CSRF header when given).
async function pageFetch(page, method, urlPath, {csrf, body} = {}) {
  return page.evaluate(async ({method, urlPath, csrf, body}) => {
    const headers = {Accept: 'application/json'};
    if (csrf !== undefined) headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(urlPath, {method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body)});
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch (e) {
      json = null;
    }
    return {status: res.status, json, text, type: res.headers.get('Content-Type')};
  }, {method, urlPath, csrf, body});
}

async function apiGet(page, urlPath) {
  const r = await pageFetch(page, 'GET', `/admin/v1/${urlPath}`);
  assert.equal(r.status, 200, `GET /admin/v1/${urlPath}: ${r.status} ${r.text}`);
  return r.json;
}

async function findCertificate(page, name) {
  const list = await apiGet(page, `certificates?name_contains=${encodeURIComponent(name)}`);
  const exact = list.certificates.filter((c) => c.names.includes(name));
  assert.ok(exact.length >= 1, `no certificate for ${name}`);
  return exact[0];
}

function checkSecurityHeaders(headers, what) {
  const csp = headers['content-security-policy'];
  assert.ok(csp, `${what}: a Content-Security-Policy`);
  for (const part of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
    "base-uri 'none'", "form-action 'self'"]) {
    assert.ok(csp.includes(part), `${what}: CSP has ${part}: ${csp}`);
  }
  assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), `${what}: CSP allows no inline code or eval: ${csp}`);
  assert.equal(headers['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
  assert.equal(headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  // same-origin: no referrer leaves the origin (no-referrer would make the log-in form's Origin "null").
  assert.equal(headers['referrer-policy'], 'same-origin',
    `${what}: Referrer-Policy ${headers['referrer-policy']}`);
}

async function logIn(page, token, expectedName) {
  await page.goto(`${CONSOLE}/console/login`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', {name: 'Log in', exact: true}).click();
  await page.waitForURL(`${CONSOLE}/console/`);
  await settled(page, '#/');
  await page.locator('#user-name', {hasText: expectedName}).waitFor();
}

async function rowOf(page, text) {
  return page.locator('#main table tbody tr', {hasText: text});
}

// ---- phase 1: an unauthenticated visitor, then the operator ------------------------------------------------

async function unauthenticated(browser) {
  const context = await newContext(browser);
  const page = await newPage(context);

  // The console's page without a session: the log-in page, with the security headers.
  const first = await page.goto(`${CONSOLE}/console/`);
  assert.equal(new URL(page.url()).pathname, '/console/login', 'unauthenticated /console/ → the log-in page');
  checkSecurityHeaders(await first.allHeaders(), 'GET /console/login');
  const raw = await request('GET', '/console/');
  assert.equal(raw.status, 303, 'GET /console/ without a session is a 303');
  assert.equal(raw.headers.location, '/console/login', 'to /console/login');
  checkSecurityHeaders(raw.headers, 'GET /console/ (303)');
  await page.getByRole('heading', {level: 1, name: 'anvil-ca console'}).waitFor();
  assert.equal(await page.locator('body.login main.login-card').count(), 1, 'the log-in card');
  assert.equal(await page.getByRole('button', {name: /with your certificate/}).count(), 0,
    'no certificate log-in without a client certificate');
  assert.equal(await page.locator('nav').count(), 0, 'no navigation before logging in');
  await checkPage(page, 'login', {console: false});

  // A deep link, and the page's file itself: still only the log-in page, no data.
  await page.goto(`${CONSOLE}/console/#/certificates`);
  assert.equal(new URL(page.url()).pathname, '/console/login', 'a deep link → the log-in page');
  await page.goto(`${CONSOLE}/console/assets/index.html#/certificates`);
  await page.waitForURL(`${CONSOLE}/console/login`);
  assert.equal(await page.locator('table').count(), 0, 'no table for a visitor');

  // The API and the session refuse a visitor.
  for (const p of ['/admin/v1/certificates', '/admin/v1/overview', '/console/session']) {
    const r = await request('GET', p);
    assert.equal(r.status, 401, `GET ${p} without a credential: ${r.status} ${r.body}`);
  }
  const visitorFetch = await pageFetch(page, 'GET', '/admin/v1/certificates');
  assert.equal(visitorFetch.status, 401, 'the visitor\'s browser gets 401 from /admin/v1');

  // A wrong token: 401 and the form again with the error.
  await page.getByLabel('Admin token').fill('anvil_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${CONSOLE}/console/login` && r.request().method() === 'POST'),
    page.getByRole('button', {name: 'Log in', exact: true}).click(),
  ]);
  assert.equal(refused.status(), 401, 'a wrong token: 401');
  await page.locator('p.error[role="alert"]').waitFor();
  assert.equal((await context.cookies()).filter((c) => c.name === 'anvil_console').length, 0, 'no session cookie');
  await checkPage(page, 'login-refused', {console: false});
  await context.close();
}

async function operatorOverview(page) {
  const ov = await pageFetch(page, 'GET', '/admin/v1/overview');
  assert.equal(ov.status, 200, `GET /admin/v1/overview: ${ov.status} ${ov.text}`);
  const o = ov.json;
  for (const status of ['valid', 'expiring', 'expired', 'revoked']) {
    const shown = await page.locator(`[data-status="${status}"]`).textContent();
    assert.equal(shown, o.counts[status].toLocaleString('en'), `overview count ${status}`);
  }
  for (const [key, days] of [['day', 1], ['week', 7], ['month', 30]]) {
    const card = page.locator(`[data-window="${key}"]`);
    assert.equal(await card.textContent(), o.expiring_unreplaced[key].toLocaleString('en'), `expiring ${key}`);
    const href = await card.locator('xpath=ancestor::a').getAttribute('href');
    assert.equal(href, `#/certificates?status=expiring&expiring_within_days=${days}`, `link of ${key}`);
  }
  assert.ok(o.expiring_unreplaced.week >= 1, 'the short-lived certificate expires within 7 days');
  // The timeline: one bar per day with certificates, stacked by profile, each with a <title>; the numbers table.
  const bars = page.locator('svg.chart').first().locator('g.chart-bar');
  assert.equal(await bars.count(), o.timeline.length, 'one bar per day of the timeline');
  const titles = await bars.locator('title').allTextContents();
  assert.ok(titles.some((t) => t.includes('short-lived')), `a bar names the short-lived profile: ${titles}`);
  assert.ok(titles.some((t) => t.includes('tls-server')), `a bar names the tls-server profile: ${titles}`);
  const legend = await page.locator('.legend').first().textContent();
  for (const p of ['short-lived', 'tls-client', 'tls-server']) assert.ok(legend.includes(p), `legend: ${p}`);
  await page.getByText('Show the numbers').first().click();
  const timelineRows = page.getByRole('region', {name: 'Expiry timeline numbers'}).locator('tbody tr');
  assert.equal(await timelineRows.count(), o.timeline.length, 'the timeline table has a row per day');
  // Issuance per day: today's bar counts what was issued.
  const issuedToday = o.activity.find((a) => a.date === o.now.slice(0, 10));
  assert.ok(issuedToday && issuedToday.issued >= 6, `issued today: ${JSON.stringify(o.activity)}`);
  const activityTitles = await page.locator('svg.chart').nth(1).locator('g.chart-bar title').allTextContents();
  assert.ok(activityTitles.some((t) => t.startsWith(`${issuedToday.date}: `)), 'today has a bar');
  // CA health: the issuers and the last issuance.
  const issuers = page.getByRole('region', {name: 'Issuers'}).locator('tbody tr');
  assert.equal(await issuers.count(), o.ca.issuers.length, 'a row per issuer');
  assert.ok(o.ca.issuers.length >= 1, 'at least one issuer');
  assert.ok(o.ca.last_issuance, 'a last issuance');
  return o;
}

async function operator(browser) {
  const context = await newContext(browser);
  const page = await newPage(context);
  const operatorName = env('OPERATOR_NAME');
  const responses = [];
  page.on('response', (r) => responses.push(r));
  await logIn(page, env('OPERATOR_TOKEN'), operatorName);
  const pageResponse = responses.find((r) => r.url() === `${CONSOLE}/console/` && r.status() === 200);
  assert.ok(pageResponse, 'GET /console/ answered 200 with the session');
  checkSecurityHeaders(await pageResponse.allHeaders(), 'GET /console/');
  for (const r of responses.filter((x) => x.url().includes('/console/assets/'))) {
    assert.ok([200, 304].includes(r.status()), `asset ${r.url()}: ${r.status()}`);
    checkSecurityHeaders(await r.allHeaders(), r.url());
  }
  const cookie = (await context.cookies()).find((c) => c.name === 'anvil_console');
  assert.ok(cookie, 'the session cookie');
  assert.equal(cookie.httpOnly, true, 'HttpOnly');
  assert.equal(cookie.secure, true, 'Secure');
  assert.equal(cookie.sameSite, 'Strict', 'SameSite=Strict');
  assert.equal(await page.locator('#user-role').textContent(), 'operator, token', 'the header shows the role');
  const session = (await pageFetch(page, 'GET', '/console/session')).json;
  assert.equal(session.name, operatorName);
  assert.equal(session.role, 'operator');
  assert.ok(session.csrf_token && session.csrf_token.length >= 16, 'a CSRF token');

  // Overview.
  const o = await operatorOverview(page);
  await checkPage(page, 'overview');

  // The 7-day link: the filtered list, in which the short-lived certificate is, as many rows as the overview said.
  await page.locator('[data-window="week"]').click();
  await settled(page, '#/certificates');
  assert.equal(await page.getByLabel('Status', {exact: true}).inputValue(), 'expiring', 'the status filter is set');
  assert.equal(await page.getByLabel('Expiring within days').inputValue(), '7', 'the days filter is set');
  const expiringRows = page.getByRole('region', {name: 'Certificates', exact: true}).locator('tbody tr');
  assert.equal(await expiringRows.count(), o.expiring_unreplaced.week, 'the list has the overview\'s count');
  assert.equal(await (await rowOf(page, env('SHORT_NAME'))).count(), 1, 'the short-lived certificate is listed');
  await checkPage(page, 'certificates-expiring-7d');

  // Certificates: find one by name.
  await clickNav(page, 'Certificates', '#/certificates');
  const allRows = await page.getByRole('region', {name: 'Certificates', exact: true}).locator('tbody tr').count();
  assert.ok(allRows >= 6, `all certificates listed: ${allRows}`);
  const th = page.getByRole('columnheader', {name: /Not after/});
  assert.equal(await th.getAttribute('aria-sort'), 'ascending', 'the sorted column says so');
  await checkPage(page, 'certificates');
  // Pages of 2 with the API's cursor ("Next page"): every certificate once, soonest expiry first.
  const allSerials = await page.getByRole('region', {name: 'Certificates', exact: true})
    .locator('tbody tr td:first-child').allTextContents();
  await go(page, '#/certificates?limit=2');
  const paged = [];
  for (let i = 0; i < 10; i++) {
    const rows = page.getByRole('region', {name: 'Certificates', exact: true}).locator('tbody tr');
    assert.ok(await rows.count() <= 2, 'a page of at most 2');
    paged.push(...await rows.locator('td:first-child').allTextContents());
    const next = page.getByRole('link', {name: 'Next page'});
    if (await next.count() === 0) break;
    await next.click();
    await settled(page, '#/certificates?');
  }
  assert.deepEqual(paged, allSerials, 'the pages hold every certificate once, in the listing\'s order');
  await clickNav(page, 'Certificates', '#/certificates');
  // Two characters are not enough for the API's name_contains: the form says so.
  await page.getByLabel('Name', {exact: true}).fill('we');
  await page.getByRole('button', {name: 'Search', exact: true}).click();
  await page.locator('#filter-message', {hasText: 'at least 3 characters'}).waitFor();
  // A suffix: every certificate of the domain, none of certbot's.
  await page.getByLabel('Name', {exact: true}).fill('.console.anvil.test');
  await page.getByRole('button', {name: 'Search', exact: true}).click();
  await settled(page, '#/certificates?name_suffix=');
  const suffixText = await page.getByRole('region', {name: 'Certificates', exact: true}).textContent();
  assert.ok(suffixText.includes(env('KEEP_NAME')) && suffixText.includes(env('REVOKE_NAME')), 'suffix search');
  assert.ok(!suffixText.includes('certbot-a.anvil.test'), 'suffix search leaves other domains out');
  // The name searched for.
  const revokeName = env('REVOKE_NAME');
  await page.getByLabel('Name', {exact: true}).fill(revokeName.split('.')[0] + '.console');
  await page.getByRole('button', {name: 'Search', exact: true}).click();
  await settled(page, '#/certificates?name_contains=');
  const found = page.getByRole('region', {name: 'Certificates', exact: true}).locator('tbody tr');
  assert.equal(await found.count(), 1, 'one certificate matches the name');
  assert.ok((await found.textContent()).includes(revokeName), 'the row shows the name');
  await checkPage(page, 'certificates-search');
  const target = await findCertificate(page, revokeName);

  // Open it.
  await found.getByRole('link', {name: `Certificate ${target.serial}`, exact: true}).click();
  await settled(page, `#/certificates/${target.serial}`);
  const h1 = await page.locator('#main h1').textContent();
  assert.ok(h1.includes(target.serial), `the heading names the serial: ${h1}`);
  const detail = await apiGet(page, `certificates/${target.serial}`);
  assert.equal((await page.locator('pre.pem').first().textContent()).trim(), detail.pem.trim(), 'the PEM is shown');
  assert.ok(await page.getByText('www.console.anvil.test').first().isVisible(), 'both names are shown');
  assert.ok(await page.locator('ol.chain li').count() >= 1, 'the chain');
  assert.ok((await page.getByRole('region', {name: 'Certificate history'}).textContent()).includes(
    'certificate.issued'), 'the history has the issuance');
  // The decoded certificate, the ARI window, the order with both names' authorizations and their validations.
  assert.ok(detail.decoded && detail.ari && detail.order_detail, 'the API sends decoded, ari and order_detail');
  assert.ok(await page.getByText(detail.decoded.sha256_fingerprint).isVisible(), 'the SHA-256 fingerprint');
  const ari = await page.locator('dt', {hasText: 'Renewal window (ARI)'}).locator('xpath=following-sibling::dd')
    .textContent();
  assert.ok(ari.includes(detail.ari.start.slice(0, 10)), `the ARI window: ${ari}`);
  for (const name of target.names) {
    const validations = page.getByRole('region', {name: `Validations of dns:${name}`, exact: true});
    assert.ok((await validations.textContent()).includes('authorization.valid'), `the validation of ${name}`);
  }
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', {name: 'Download certificate (PEM)'}).click(),
  ]);
  assert.equal(download.suggestedFilename(), `${target.serial}.pem`, 'the download\'s file name');
  assert.equal(fs.readFileSync(await download.path(), 'utf8'), detail.pem, 'the downloaded PEM');
  await checkPage(page, 'certificate');

  // Revoke it: a dialog, a reason, and the serial typed before the button is enabled.
  const revokeButton = page.getByRole('button', {name: 'Revoke…'});
  await revokeButton.click();
  const dialog = page.getByRole('dialog', {name: 'Revoke this certificate'});
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'revoke-reason',
    'the focus is in the dialog');
  const reasons = await dialog.getByLabel('Reason').locator('option').evaluateAll((os) => os.map((x) => x.value));
  assert.deepEqual(reasons.sort(), ['affiliationChanged', 'cessationOfOperation', 'keyCompromise',
    'privilegeWithdrawn', 'superseded', 'unspecified'], 'the API\'s reasons');
  const confirm = dialog.getByRole('button', {name: 'Revoke certificate'});
  assert.equal(await confirm.isDisabled(), true, 'disabled before the confirmation');
  await dialog.getByLabel('Reason').selectOption('superseded');
  await dialog.getByLabel(/Note/).fill('browser test');
  await dialog.getByLabel('Type the serial number to confirm').fill(`${target.serial}0`);
  assert.equal(await confirm.isDisabled(), true, 'a wrong serial does not enable it');
  await checkPage(page, 'certificate-revoke-dialog');
  // Cancel first: nothing happens.
  await dialog.getByRole('button', {name: 'Cancel'}).click();
  await dialog.waitFor({state: 'detached'});
  assert.equal((await apiGet(page, `certificates/${target.serial}`)).status, 'valid', 'cancel revokes nothing');
  await revokeButton.click();
  await dialog.waitFor();
  await dialog.getByLabel('Reason').selectOption('superseded');
  await dialog.getByLabel(/Note/).fill('browser test');
  // Typed as people copy serials: with colons, upper case.
  await dialog.getByLabel('Type the serial number to confirm').fill(
    target.serial.toUpperCase().match(/.{1,2}/g).join(':'));
  assert.equal(await confirm.isDisabled(), false, 'enabled once the serial is typed');
  await confirm.click();
  await page.getByText(`Certificate ${target.serial} revoked (superseded).`).waitFor();
  await settled(page, `#/certificates/${target.serial}`);
  assert.equal(await page.locator('.headline .badge').textContent(), 'revoked', 'the status shows revoked');
  assert.equal(await page.getByRole('button', {name: 'Revoke…'}).count(), 0, 'no revoke button any more');
  const history = await page.getByRole('region', {name: 'Certificate history'}).textContent();
  assert.ok(history.includes('certificate.revoked') && history.includes(`admin:${operatorName}`),
    'the history has the revocation by the operator');
  const after = await apiGet(page, `certificates/${target.serial}`);
  assert.equal(after.status, 'revoked');
  assert.equal(after.revocation_reason, 'superseded');
  await checkPage(page, 'certificate-revoked');

  // Revoked in the list.
  await clickNav(page, 'Certificates', '#/certificates');
  await page.getByLabel('Status', {exact: true}).selectOption('revoked');
  await page.getByRole('button', {name: 'Search', exact: true}).click();
  await settled(page, '#/certificates?status=revoked');
  const revokedRow = await rowOf(page, target.serial);
  assert.equal(await revokedRow.count(), 1, 'the revoked certificate is in the revoked list');
  assert.equal(await revokedRow.locator('.badge').textContent(), 'revoked');
  await checkPage(page, 'certificates-revoked');
  // The serial search, typed with colons.
  await page.getByRole('searchbox', {name: 'Serial number'}).fill(target.serial.match(/.{1,2}/g).join(':'));
  await page.getByRole('button', {name: 'Open'}).click();
  await settled(page, `#/certificates/${target.serial}`);

  // The audit log: the chain verifies, and the revocation is there with the operator.
  await clickNav(page, 'Audit log', '#/audit');
  const verification = await page.locator('#audit-verification').textContent();
  assert.match(verification, /^Chain verified: [\d,]+ records/, `verification: ${verification}`);
  await page.getByLabel('Filter by kind, subject or actor').fill(target.serial);
  const auditRow = page.getByRole('region', {name: 'Audit records'}).locator('tbody tr', {
    hasText: 'certificate.revoked'});
  await auditRow.waitFor();
  assert.ok((await auditRow.textContent()).includes(`admin:${operatorName}`), 'the record names the operator');
  assert.ok((await auditRow.textContent()).includes('browser test'), 'the record has the note');
  await checkPage(page, 'audit-filtered');
  // Every record of one subject, from the API.
  await page.getByLabel('Subject (exact)').fill(target.serial);
  await page.getByRole('button', {name: 'Show its records'}).click();
  await settled(page, '#/audit?subject=');
  const subjectText = await page.getByRole('region', {name: 'Audit records'}).textContent();
  for (const kind of ['certificate.issued', 'certificate.revoked']) {
    assert.ok(subjectText.includes(kind), `the subject's records include ${kind}`);
  }
  await checkPage(page, 'audit-subject');
  await clickNav(page, 'Audit log', '#/audit');
  await page.getByLabel('Filter by kind, subject or actor').fill('');
  await page.getByLabel(/Show admin API requests/).check();
  const requestRow = page.getByRole('region', {name: 'Audit records'}).locator('tbody tr', {
    hasText: `POST /admin/v1/certificates/${target.serial}/revoke`});
  assert.ok((await requestRow.count()) >= 1, 'the API call of the revocation is in the audit log');
  await checkPage(page, 'audit');

  // Accounts: the spare one, deactivated behind its confirmation.
  await clickNav(page, 'Accounts', '#/accounts');
  await checkPage(page, 'accounts');
  const accounts = (await apiGet(page, 'accounts?limit=1000')).accounts;
  const spare = accounts.find((a) => a.contacts.includes(env('SPARE_CONTACT')));
  assert.ok(spare, 'the spare account');
  await page.getByRole('link', {name: `Account ${spare.id}`, exact: true}).click();
  await settled(page, `#/accounts/${spare.id}`);
  assert.ok(await page.getByText(env('SPARE_CONTACT')).first().isVisible(), 'the contact');
  assert.ok(await page.getByText(spare.thumbprint).isVisible(), 'the key thumbprint');
  await checkPage(page, 'account');
  const deactivate = page.getByRole('button', {name: 'Deactivate…'});
  await deactivate.click();
  const dDialog = page.getByRole('dialog', {name: 'Deactivate this account'});
  const dConfirm = dDialog.getByRole('button', {name: 'Deactivate account'});
  assert.equal(await dConfirm.isDisabled(), true, 'disabled before the confirmation');
  await dDialog.getByLabel('I understand this cannot be undone').check();
  await checkPage(page, 'account-deactivate-dialog');
  await dConfirm.click();
  await page.getByText(`Account ${spare.id} deactivated.`).waitFor();
  await settled(page, `#/accounts/${spare.id}`);
  assert.equal(await page.locator('.headline .badge').textContent(), 'deactivated');
  assert.equal((await apiGet(page, `accounts/${spare.id}`)).status, 'deactivated', 'the API says deactivated');
  // The account that holds the revoked certificate lists it.
  await go(page, `#/accounts/${encodeURIComponent(target.account)}`);
  assert.equal(await page.getByRole('region', {name: 'Certificates of this account'})
    .getByRole('link', {name: `Certificate ${target.serial}`}).count(), 1, 'the account lists its certificate');
  await checkPage(page, 'account-with-certificates');

  // Policies.
  await clickNav(page, 'Policies', '#/policies');
  await page.getByRole('heading', {level: 2, name: 'default'}).waitFor();
  assert.ok((await page.getByRole('region', {name: 'default', exact: true}).textContent()).includes(
    'every request (the default policy)'), 'the default policy applies to every request');
  await checkPage(page, 'policies');

  // Enrollment tokens: create one; the HMAC key is shown once with copy buttons and command lines.
  await clickNav(page, 'Enrollment tokens', '#/tokens');
  await checkPage(page, 'tokens');
  await page.getByLabel('Label', {exact: true}).fill('browser test device');
  await page.getByLabel('Expires in days').fill('1');
  await page.getByLabel('Maximum uses').fill('1');
  await page.getByRole('button', {name: 'Create token'}).click();
  await page.locator('#new-kid').waitFor();
  const kid = (await page.locator('#new-kid').textContent()).trim();
  const hmacKey = (await page.locator('#new-hmac').textContent()).trim();
  assert.match(hmacKey, /^[A-Za-z0-9_-]{20,}$/, 'a base64url HMAC key');
  const directory = env('ACME_DIRECTORY');
  const anvilLine = (await page.locator('#command-anvil').textContent()).trim();
  const certbotLine = (await page.locator('#command-certbot').textContent()).trim();
  // The shell runs the anvil line as shown (its name replaced); certbot's must carry the same.
  assert.ok(anvilLine.startsWith(`anvil issue --server ${directory} --eab-kid=${kid} --eab-hmac-key=${hmacKey} -d `),
    `the anvil command line: ${anvilLine}`);
  assert.ok(certbotLine.startsWith(
    `certbot certonly --server ${directory} --eab-kid=${kid} --eab-hmac-key=${hmacKey} -d `),
  `the certbot command line: ${certbotLine}`);
  await page.getByRole('button', {name: 'Copy HMAC key'}).click();
  await page.locator('.copy-status', {hasText: 'Copied'}).first().waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), hmacKey, 'the copy button copies the key');
  // The QR code of the anvil line, as the browser drew it: the shell decodes the picture with a QR reader.
  const qr = await pageFetch(page, 'POST', '/console/qr', {csrf: session.csrf_token, body: {text: 'probe'}});
  assert.equal(qr.status, 200, `POST /console/qr: ${qr.status} ${qr.text}`);
  assert.match(qr.type || '', /^image\/svg\+xml/, 'the QR code is SVG');
  await page.locator('#new-qr').waitFor();
  await page.waitForFunction(() => document.getElementById('new-qr').naturalWidth > 0);
  await page.locator('#new-qr').screenshot({path: env('QR_OUT')});
  const tokenRow = page.getByRole('region', {name: 'Enrollment tokens'}).locator('tbody tr', {hasText: kid});
  await tokenRow.waitFor();
  assert.ok((await tokenRow.textContent()).includes('browser test device'), 'the table lists the new token');
  assert.equal(await tokenRow.locator('.badge').textContent(), 'usable');
  await checkPage(page, 'tokens-created');
  const keys = (await apiGet(page, 'eab-keys')).keys;
  const key = keys.find((k) => k.kid === kid);
  assert.ok(key && key.label === 'browser test device' && key.max_uses === 1 && key.expires, JSON.stringify(key));
  fs.writeFileSync(env('EAB_OUT'), JSON.stringify({kid, hmac_key: hmacKey, anvil: anvilLine}));
  // Leaving the page forgets the key: coming back shows it nowhere.
  await clickNav(page, 'Overview', '#/');
  await clickNav(page, 'Enrollment tokens', '#/tokens');
  assert.equal(await page.getByText(hmacKey).count(), 0, 'the HMAC key is shown once');

  // CSRF: the operator's own session, without the header or with a wrong one, changes nothing (403).
  const keep = await findCertificate(page, env('KEEP_NAME'));
  for (const [what, csrf] of [['without X-CSRF-Token', undefined], ['with a wrong X-CSRF-Token', 'x'.repeat(43)]]) {
    const r = await pageFetch(page, 'POST', `/admin/v1/certificates/${keep.serial}/revoke`, {csrf,
      body: {reason: 'superseded'}});
    assert.equal(r.status, 403, `a POST ${what}: ${r.status} ${r.text}`);
    assert.equal(r.json && r.json.type, 'urn:anvil:admin:forbidden', `the problem type (${what})`);
    const e = await pageFetch(page, 'POST', '/admin/v1/eab-keys', {csrf, body: {label: 'forged'}});
    assert.equal(e.status, 403, `creating a token ${what}: ${e.status}`);
  }
  assert.equal((await apiGet(page, `certificates/${keep.serial}`)).status, 'valid', 'still valid');
  assert.ok(!(await apiGet(page, 'eab-keys')).keys.some((k) => k.label === 'forged'), 'no forged token');
  const logoutNoCsrf = await pageFetch(page, 'POST', '/console/logout');
  assert.equal(logoutNoCsrf.status, 403, `log-out without the CSRF token: ${logoutNoCsrf.status}`);
  assert.equal((await pageFetch(page, 'GET', '/console/session')).status, 200, 'the session is still there');

  // A phone: overview and certificates, the menu collapsed, no page-wide horizontal scrolling.
  const state = await context.storageState();
  const phone = await newContext(browser, {viewport: PHONE, storageState: state});
  const p = await newPage(phone);
  await go(p, '#/');
  assert.equal(await p.locator('#nav-list').isVisible(), false, 'the menu is collapsed on a phone');
  const fits = () => p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  assert.ok(await fits(), 'the overview fits the phone\'s width');
  await checkPage(p, 'phone-overview');
  await p.getByRole('button', {name: 'Menu'}).click();
  assert.equal(await p.locator('#nav-list').isVisible(), true, 'the menu opens');
  await screenshot(p, 'phone-menu');
  await p.getByRole('navigation', {name: 'Console'}).getByRole('link', {name: 'Certificates'}).click();
  await settled(p, '#/certificates');
  assert.equal(await p.locator('#nav-list').isVisible(), false, 'the menu closes on navigation');
  assert.ok(await fits(), 'the certificates page fits the phone\'s width (the table scrolls in its region)');
  await checkPage(p, 'phone-certificates');
  await go(p, `#/certificates/${target.serial}`);
  assert.ok(await fits(), 'the certificate page fits the phone\'s width');
  await checkPage(p, 'phone-certificate');
  await phone.close();
  await context.close();
}

// ---- phase 2: after the token's use; log-out; the viewer; the admin certificate -----------------------------

async function afterEnrollment(browser) {
  const context = await newContext(browser);
  const page = await newPage(context);
  await logIn(page, env('OPERATOR_TOKEN'), env('OPERATOR_NAME'));
  const kid = env('EAB_KID');

  // The token the shell used: used up, with the account it bound; then revoked behind its confirmation.
  await clickNav(page, 'Enrollment tokens', '#/tokens');
  const row = page.getByRole('region', {name: 'Enrollment tokens'}).locator('tbody tr', {hasText: kid});
  await row.waitFor();
  assert.equal(await row.locator('.badge').textContent(), 'used up', 'the token is used up');
  assert.ok((await row.textContent()).includes('1 / 1'), 'used once of once');
  assert.equal(await row.getByRole('link').count(), 1, 'it names the account it bound');
  await row.getByRole('button', {name: `Revoke token ${kid}`}).click();
  const dialog = page.getByRole('dialog', {name: 'Revoke this enrollment token'});
  await dialog.getByLabel('I understand this cannot be undone').check();
  await checkPage(page, 'tokens-revoke-dialog');
  await dialog.getByRole('button', {name: 'Revoke token'}).click();
  await page.getByText(`Token ${kid} revoked.`).waitFor();
  await row.locator('.badge', {hasText: 'revoked'}).waitFor();
  assert.equal((await apiGet(page, 'eab-keys')).keys.find((k) => k.kid === kid).state, 'revoked');
  await checkPage(page, 'tokens-revoked');

  // The certificate issued with it shows the token.
  const eabCert = await findCertificate(page, env('EAB_NAME'));
  await go(page, `#/certificates/${eabCert.serial}`);
  assert.ok((await page.locator('dl.fields').first().textContent()).includes(kid), 'the certificate names its token');
  await checkPage(page, 'certificate-enrolled');

  // Log out: back to the log-in page, and the old cookie opens nothing any more.
  const cookie = (await context.cookies()).find((c) => c.name === 'anvil_console');
  await page.getByRole('button', {name: 'Log out'}).click();
  await page.waitForURL(`${CONSOLE}/console/login`);
  assert.equal((await context.cookies()).filter((c) => c.name === 'anvil_console' && c.value).length, 0,
    'the cookie is cleared');
  const replay = await request('GET', '/console/session', {headers: {Cookie: `anvil_console=${cookie.value}`}});
  assert.equal(replay.status, 401, `the ended session's cookie: ${replay.status}`);
  const replayApi = await request('GET', '/admin/v1/certificates', {headers: {Cookie: `anvil_console=${cookie.value}`}});
  assert.equal(replayApi.status, 401, `the ended session's cookie at the API: ${replayApi.status}`);
  await context.close();

  // The viewer: every page, no revoke, deactivate or create control; the API refuses a forged POST.
  const vc = await newContext(browser);
  const v = await newPage(vc);
  await logIn(v, env('VIEWER_TOKEN'), env('VIEWER_NAME'));
  assert.equal(await v.locator('#user-role').textContent(), 'viewer, token');
  await checkPage(v, 'viewer-overview');
  const keep = await findCertificate(v, env('KEEP_NAME'));
  await go(v, `#/certificates/${keep.serial}`);
  assert.equal(await v.locator('.headline .badge').textContent(), 'valid');
  assert.equal(await v.getByRole('button', {name: /Revoke/}).count(), 0, 'no revoke button for a viewer');
  await checkPage(v, 'viewer-certificate');
  await go(v, `#/accounts/${encodeURIComponent(keep.account)}`);
  assert.equal(await v.getByRole('button', {name: /Deactivate/}).count(), 0, 'no deactivate button for a viewer');
  await checkPage(v, 'viewer-account');
  await clickNav(v, 'Enrollment tokens', '#/tokens');
  assert.ok((await v.locator('#tokens-role-needed').textContent()).includes('operator role'),
    'the viewer is told the operator role is needed');
  assert.equal(await v.getByRole('button', {name: /Create|Revoke/}).count(), 0, 'no token controls');
  assert.equal(await v.locator('form.create-token').count(), 0, 'no create form');
  await checkPage(v, 'viewer-tokens');
  await clickNav(v, 'Audit log', '#/audit');
  await checkPage(v, 'viewer-audit');
  await clickNav(v, 'Policies', '#/policies');
  await checkPage(v, 'viewer-policies');
  const csrf = (await pageFetch(v, 'GET', '/console/session')).json.csrf_token;
  const forged = await pageFetch(v, 'POST', `/admin/v1/certificates/${keep.serial}/revoke`, {csrf,
    body: {reason: 'keyCompromise'}});
  assert.equal(forged.status, 403, `the viewer's forged revocation: ${forged.status} ${forged.text}`);
  assert.equal(forged.json && forged.json.type, 'urn:anvil:admin:forbidden', 'forbidden problem');
  const forgedKey = await pageFetch(v, 'POST', '/admin/v1/eab-keys', {csrf, body: {label: 'viewer'}});
  assert.equal(forgedKey.status, 403, `the viewer's forged token: ${forgedKey.status}`);
  const forgedDeactivate = await pageFetch(v, 'POST', `/admin/v1/accounts/${encodeURIComponent(keep.account)}/deactivate`,
    {csrf, body: {}});
  assert.equal(forgedDeactivate.status, 403, `the viewer's forged deactivation: ${forgedDeactivate.status}`);
  assert.equal((await apiGet(v, `certificates/${keep.serial}`)).status, 'valid', 'the certificate stays valid');
  assert.equal((await apiGet(v, `accounts/${encodeURIComponent(keep.account)}`)).status, 'valid', 'and the account');
  await vc.close();

  // An admin client certificate: the log-in page offers it, and it logs in without a token.
  const cc = await newContext(browser, {clientCertificates: [{origin: CONSOLE, certPath: env('ADMIN_CERT'),
    keyPath: env('ADMIN_KEY')}]});
  const c = await newPage(cc);
  await c.goto(`${CONSOLE}/console/login`);
  const certButton = c.getByRole('button', {name: `Log in as ${env('ADMIN_CERT_NAME')} with your certificate`});
  await certButton.waitFor();
  await checkPage(c, 'login-certificate', {console: false});
  await certButton.click();
  await c.waitForURL(`${CONSOLE}/console/`);
  await settled(c, '#/');
  assert.equal(await c.locator('#user-role').textContent(), 'admin, certificate', 'logged in by certificate');
  await cc.close();
}

// ---- main ------------------------------------------------------------------------------------------------------

async function main() {
  if (PHASE !== 'operator' && PHASE !== 'viewer') throw new Error('usage: node console_test.mjs operator|viewer');
  fs.mkdirSync(ARTIFACTS, {recursive: true});
  const browser = await launch();
  let failure = null;
  try {
    if (PHASE === 'operator') {
      await unauthenticated(browser);
      await operator(browser);
    } else {
      await afterEnrollment(browser);
    }
    assert.deepEqual(cspViolations, [], 'the browser reported Content-Security-Policy violations');
    assert.deepEqual(pageErrors, [], 'the page threw uncaught errors');
  } catch (err) {
    failure = err;
  } finally {
    fs.writeFileSync(path.join(ARTIFACTS, `${PHASE}-browser-console.log`), `${browserLog.join('\n')}\n`);
    await browser.close();
  }
  if (failure) {
    console.error(`[${PHASE}] FAIL: ${failure.stack || failure.message}`);
    if (cspViolations.length) console.error(`CSP reports:\n${cspViolations.join('\n')}`);
    if (pageErrors.length) console.error(`page errors:\n${pageErrors.join('\n')}`);
    process.exit(1);
  }
  log(`OK: ${shots} screenshots in ${ARTIFACTS}`);
}

await main();
