// The console (docs/console.md) in Debian's chromium, driven by playwright-core, with axe-core on every page.
// Run by tests/browser/console.sh, which starts anvil-ca, populates it with real clients and passes:
//   CONSOLE_URL (https://127.0.0.1:PORT, the admin listener), ROOT_PEM (anvil-ca's root, for this script's own
//   HTTPS calls), ACME_DIRECTORY, OPERATOR_TOKEN / OPERATOR_NAME, VIEWER_TOKEN / VIEWER_NAME, ADMIN_CERT /
//   ADMIN_KEY / ADMIN_CERT_NAME (an admin client certificate), REVOKE_NAME (the certificate revoked in the
//   browser), KEEP_NAME (one that must stay valid), SHORT_NAME (a short-lived one, expiring within 7 days),
//   SPARE_CONTACT (the account deactivated in the browser), EAB_NAME, EAB_OUT (where the new enrollment token is
//   written), EAB_KID (phase viewer: the token the shell used), ANVIL_ARTIFACTS, CHROMIUM.
// Usage: node console_test.mjs operator|viewer (the phases: phase_operator.mjs, phase_viewer.mjs; the browser and
// the checks every page gets: harness.mjs)
//
// Every page visited is checked the same way (checkPage): one <main> with one <h1>, the console's <nav>, no
// inline script, style attribute or on* handler attribute, zero axe-core violations, and a screenshot.
// Anything the browser reports about the Content-Security-Policy, and any uncaught script error, fails the run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {PHASE, ARTIFACTS, browserLog, cspViolations, pageErrors, log, launch, screenshotCount} from './harness.mjs';
import {operator, unauthenticated} from './phase_operator.mjs';
import {afterEnrollment} from './phase_viewer.mjs';

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
  log(`OK: ${screenshotCount()} screenshots in ${ARTIFACTS}`);
}

await main();
