// Phase 2 of the console's browser test (console_test.mjs): after the shell used the enrollment token — the
// token used up and revoked, log-out, the viewer refused every change, the log-in with an admin certificate.
import assert from 'node:assert/strict';
import {env, CONSOLE, log, request, newContext, newPage, settled, go, clickNav, checkPage, pageFetch, apiGet, findCertificate, logIn} from './harness.mjs';


export async function afterEnrollment(browser) {
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
