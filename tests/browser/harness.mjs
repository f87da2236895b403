// The browser tests' harness (tests/browser/console_test.mjs runs the phases): the environment console.sh
// passes, this script's own HTTPS calls, the browser and its contexts, and the checks every page gets
// (structure, CSP hygiene, axe-core, a screenshot).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import {createRequire} from 'node:module';
import {chromium} from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set (run tests/browser/console.sh)`);
  return v;
}

export const PHASE = process.argv[2];
export const CONSOLE = env('CONSOLE_URL');
export const ROOT_PEM = fs.readFileSync(env('ROOT_PEM'));
export const ARTIFACTS = env('ANVIL_ARTIFACTS');
export const LAPTOP = {width: 1366, height: 900};
export const PHONE = {width: 390, height: 844};
const CSP_WORDS = /Content[- ]Security[- ]Policy|Refused to (load|execute|apply|connect|frame|evaluate)/i;

export const browserLog = [];
export const cspViolations = [];
export const pageErrors = [];
let shots = 0;
// Screenshots taken so far in this phase.
export function screenshotCount() {
  return shots;
}

export function log(text) {
  console.log(`[${PHASE}] ${text}`);
}

// ---- this script's own HTTPS calls, verifying anvil-ca's certificate against its root ----------------------

export function request(method, urlPath, {headers = {}, body} = {}) {
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

export async function launch() {
  const args = [];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args});
}

// A browser context. anvil-ca's TLS certificate is issued by its own root, which chromium's store does not hold:
// the context ignores certificate errors, and this script's own calls (request above) check the certificate.
export async function newContext(browser, {viewport = LAPTOP, clientCertificates, storageState} = {}) {
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

export function watchPage(page) {
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

export async function newPage(context) {
  const page = await context.newPage();
  return page;
}

// Waits until the console has rendered the route now in the address bar (app.js sets data-route when done).
export async function settled(page, hashPrefix) {
  await page.waitForFunction((prefix) => {
    const main = document.getElementById('main');
    return main && !main.hasAttribute('aria-busy') && main.dataset.route === (location.hash || '#/')
      && (location.hash || '#/').startsWith(prefix);
  }, hashPrefix);
}

export async function go(page, hash) {
  await page.goto(`${CONSOLE}/console/${hash}`);
  await settled(page, hash.split('?')[0]);
}

export async function clickNav(page, name, hashPrefix) {
  await page.getByRole('navigation', {name: 'Console'}).getByRole('link', {name, exact: true}).click();
  await settled(page, hashPrefix);
}

export async function axe(page, label) {
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

export async function screenshot(page, name) {
  shots += 1;
  const file = path.join(ARTIFACTS, `${PHASE}-${String(shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({path: file, fullPage: true});
  return file;
}

// The checks of every page: structure, CSP hygiene, axe-core, a screenshot.
export async function checkPage(page, name, {console = true} = {}) {
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
export async function pageFetch(page, method, urlPath, {csrf, body} = {}) {
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

export async function apiGet(page, urlPath) {
  const r = await pageFetch(page, 'GET', `/admin/v1/${urlPath}`);
  assert.equal(r.status, 200, `GET /admin/v1/${urlPath}: ${r.status} ${r.text}`);
  return r.json;
}

export async function findCertificate(page, name) {
  const list = await apiGet(page, `certificates?name_contains=${encodeURIComponent(name)}`);
  const exact = list.certificates.filter((c) => c.names.includes(name));
  assert.ok(exact.length >= 1, `no certificate for ${name}`);
  return exact[0];
}

export function checkSecurityHeaders(headers, what) {
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

export async function logIn(page, token, expectedName) {
  await page.goto(`${CONSOLE}/console/login`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', {name: 'Log in', exact: true}).click();
  await page.waitForURL(`${CONSOLE}/console/`);
  await settled(page, '#/');
  await page.locator('#user-name', {hasText: expectedName}).waitFor();
}

export async function rowOf(page, text) {
  return page.locator('#main table tbody tr', {hasText: text});
}
