// Phase 1 of the console's browser test (console_test.mjs): an unauthenticated visitor, then the operator —
// overview, certificates (search, detail, revocation), audit log, accounts, policies, enrollment tokens, CSRF,
// the phone layout.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {env, CONSOLE, PHONE, log, request, newContext, newPage, settled, go, clickNav, screenshot, checkPage, pageFetch, apiGet, findCertificate, checkSecurityHeaders, logIn, rowOf} from './harness.mjs';


export async function unauthenticated(browser) {
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

export async function operator(browser) {
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
  // The other order: latest expiry first, the same certificates reversed.
  await clickNav(page, 'Certificates', '#/certificates');
  await page.getByLabel('Order', {exact: true}).selectOption('latest');
  await page.getByRole('button', {name: 'Search', exact: true}).click();
  await settled(page, '#/certificates?order=latest');
  const latest = await page.getByRole('region', {name: 'Certificates', exact: true})
    .locator('tbody tr td:first-child').allTextContents();
  assert.deepEqual(latest, [...allSerials].reverse(), 'latest expiry first is the listing reversed');
  assert.equal(await page.getByRole('columnheader', {name: /Not after/}).getAttribute('aria-sort'), 'descending');
  // The issuer filter: the issuing intermediate issued every certificate; the root, none directly.
  const {issuers} = await apiGet(page, 'issuers');
  const issuing = issuers.find((i) => i.current);
  const root = issuers.find((i) => !i.current && i.key_id !== issuing.key_id);
  assert.ok(issuing && root, `an issuing intermediate and a root: ${JSON.stringify(issuers)}`);
  await clickNav(page, 'Certificates', '#/certificates');
  await page.getByLabel('Issuer', {exact: true}).selectOption(issuing.key_id);
  await page.getByRole('button', {name: 'Search', exact: true}).click();
  await settled(page, '#/certificates?issuer=');
  assert.equal(await page.getByRole('region', {name: 'Certificates', exact: true}).locator('tbody tr td:first-child')
    .count(), allSerials.length, 'the issuing intermediate issued every certificate');
  await checkPage(page, 'certificates-by-issuer');
  await go(page, `#/certificates?issuer=${root.key_id}`);
  await page.getByText('No certificate matches.').waitFor();
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
