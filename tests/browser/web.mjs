// Browser test of the web page: drives Debian's Chromium with playwright-core
// through login, upload (validation report), import, the plan page (data,
// map, GetFeatureInfo) and the plan list (search), on desktop and phone
// widths, and saves screenshots.
//
//   node tests/browser/web.mjs BASE_URL USER PASSWORD FIXTURE SCREENSHOT_DIR [INVALID_FIXTURE]
//
// INVALID_FIXTURE (optional): a plan with geometric findings, validated
// first to check the findings grouped by rule and their map.
// Exit code 0 on success; 1 with a message naming the failed step.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WEB = path.resolve(HERE, '../../web');
const CHROMIUM = process.env.XPLAN_CHROMIUM || '/usr/bin/chromium';
const TOTAL_TIMEOUT_MS = Number(process.env.XPLAN_BROWSER_TIMEOUT_MS || 90000);
const STEP_TIMEOUT_MS = 30000;

const [base0, user, password, fixture, shotDir, invalidFixture] = process.argv.slice(2);
if (!base0 || !user || !password || !fixture || !shotDir) {
  console.error('usage: node tests/browser/web.mjs BASE_URL USER PASSWORD FIXTURE SCREENSHOT_DIR [INVALID_FIXTURE]');
  process.exit(2);
}
const base = base0.replace(/\/+$/, '');

function fail(msg) {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}

for (const [what, p] of [['Chromium', CHROMIUM], ['fixture', fixture], ['web/node_modules', path.join(WEB, 'node_modules/playwright-core')]]
  .concat(invalidFixture ? [['invalid fixture', invalidFixture]] : [])) {
  if (!fs.existsSync(p)) fail(`${what} missing: ${p} (run \`make deps\` or scripts/web-deps.sh)`);
}

const require = createRequire(path.join(WEB, 'package.json'));
const { chromium } = require('playwright-core');

// The whole run never hangs: a hard deadline.
const deadline = setTimeout(() => fail(`timeout: the browser test took longer than ${TOTAL_TIMEOUT_MS / 1000} s (last step: ${currentStep})`), TOTAL_TIMEOUT_MS);

let currentStep = 'start';
async function step(name, fn) {
  currentStep = name;
  const t0 = Date.now();
  try {
    const r = await fn();
    console.log(`ok - ${name} (${Date.now() - t0} ms)`);
    return r;
  } catch (e) {
    throw new Error(`${name}: ${e.message.split('\n').slice(0, 6).join('\n')}`);
  }
}

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

fs.mkdirSync(shotDir, { recursive: true });
const shot = (name) => path.join(shotDir, name);

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xplan-browser-'));
let context;
const pageErrors = [];
const foreignRequests = [];

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    locale: 'de-DE',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', '--lang=de-DE',
    ],
    timeout: STEP_TIMEOUT_MS,
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  // The page must not load anything from elsewhere (no CDN, fonts or tiles).
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${base}/`) || url === base || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    foreignRequests.push(url);
    return route.abort();
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`  browser console: ${m.text()}`); });
  page.on('dialog', (d) => d.dismiss());

  await step('open the page', async () => {
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.locator('h1', { hasText: 'Pläne' }).waitFor();
    check(await page.evaluate(() => typeof window.ol === 'object'), 'OpenLayers (/static/vendor/ol/ol.js) did not load');
  });

  await step('log in', async () => {
    await page.click('#login-open');
    await page.fill('#login-user', user);
    await page.fill('#login-password', password);
    await page.click('#login-submit');
    const who = page.locator('#auth-user');
    await who.waitFor({ state: 'visible' }).catch(async () => {
      throw new Error(`not logged in: ${await page.locator('#login-error').textContent().catch(() => '')}`);
    });
    check((await who.textContent()).includes(user), `the header does not name ${user}`);
    check(await page.locator('#logout').isVisible(), 'no logout button');
  });

  await step('go to the upload page', async () => {
    await page.click('nav a[href="#/upload"]');
    await page.locator('h1', { hasText: 'Plan hochladen' }).waitFor();
    check(await page.locator('#import-button').isDisabled(), 'import is enabled before a validation');
  });

  async function validate(file) {
    await page.setInputFiles('#upload-file', file);
    await page.click('#validate-button');
    await page.locator('#report-verdict').waitFor({ state: 'visible', timeout: 60000 }).catch(async () => {
      const err = await page.locator('#error').textContent().catch(() => '');
      throw new Error(`no report shown${err ? `; error: ${err}` : ''}`);
    });
    return (await page.locator('#report-verdict').textContent()).trim();
  }

  if (invalidFixture) {
    await step('validate a plan with findings', async () => {
      const verdict = await validate(invalidFixture);
      check(verdict.includes('nicht gültig'), `verdict: ${verdict}`);
      const groups = page.locator('#report-findings details.rule-group');
      check(await groups.count() >= 1, 'no findings grouped by rule');
      const first = groups.first();
      const summary = await first.locator('summary').textContent();
      check(/\d+ (Fehler|Warnung)/.test(summary), `rule group summary without counts: ${summary}`);
      check(await first.locator('tbody tr').count() >= 1, 'a rule group without findings');
      // Findings with a location are markers on the report map.
      await page.locator('#report-map canvas').first().waitFor({ state: 'visible' });
      await page.waitForTimeout(500);
      const colours = await canvasColours(page, '#report-map');
      check(colours.distinct >= 3, `the findings map looks blank (${JSON.stringify(colours)})`);
      check(await page.locator('#import-button').isDisabled(), 'import is enabled for an invalid plan');
      await page.screenshot({ path: shot('upload-report-invalid.png'), fullPage: true });
    });
  }

  let planName;
  await step('validate the plan', async () => {
    const verdict = await validate(fixture);
    check(verdict.includes('Der Plan ist gültig'), `verdict: ${verdict}`);
    const summary = await page.locator('#report-summary').textContent();
    check(summary.includes(path.basename(fixture)), 'the report does not name the file');
    check(await page.locator('#report-sections tbody tr').count() === 3, 'not three checks in the summary table');
    const findings = page.locator('#report-findings');
    check((await findings.locator('h3').textContent()).includes('Befunde nach Regel'), 'no findings-by-rule section');
    check(await findings.locator('details.rule-group').count() > 0 || await findings.locator('#report-no-findings').count() === 1,
      'findings neither grouped by rule nor reported as none');
    // The plan's name from the document summary ("Pläne im Dokument: NAME (BP_Plan)").
    const plans = await page.locator('#report-summary dl .datalist__row', { hasText: 'Pläne im Dokument' }).locator('dd').textContent();
    planName = plans.replace(/\s*\([A-Z]{2}_Plan\).*$/, '').trim();
    check(planName.length > 0, 'no plan name in the report');
    check(await page.locator('#import-button').isEnabled(), `import not enabled: ${await page.locator('#import-hint').textContent()}`);
    await page.screenshot({ path: shot('upload-report.png'), fullPage: true });
  });

  let planUrl;
  await step('import the plan', async () => {
    await page.click('#import-button');
    await page.waitForURL(/#\/plan\/[^/]+$/, { timeout: 60000 }).catch(async () => {
      const err = await page.locator('#error').textContent().catch(() => '');
      throw new Error(`did not land on the plan page${err ? `; error: ${err}` : ''}`);
    });
    planUrl = page.url();
    await page.locator('#plan-title', { hasText: planName }).waitFor();
    check((await page.locator('#status').textContent()).includes('importiert'), 'no import message');
  });

  await step('plan page shows the plan data', async () => {
    const data = await page.locator('#plan-data').textContent();
    for (const label of ['Planart', 'XPlanGML-Version', 'Status', 'Importiert am', 'Gemeinde']) {
      check(data.includes(label), `plan data without "${label}"`);
    }
    check(/festgestellt|in Aufstellung|archiviert/.test(await page.locator('#plan-status').textContent()), 'no plan status');
    const docs = page.locator('#plan-documents');
    check(await docs.locator('a').count() > 0 || (await docs.textContent()).includes('keine Dokumente'), 'documents neither listed nor reported as none');
    check(await page.locator('#plan-links a', { hasText: 'XPlanArchiv' }).count() === 1, 'no archive download link');
    check(await page.locator('#plan-links a', { hasText: 'WMS' }).count() === 1, 'no WMS link');
    check(await page.locator('#plan-admin').isVisible(), 'no administration (status, delete) for an admin');
  });

  await step('the map shows the plan', async () => {
    await page.locator('#plan-map[data-map-state="ready"]').waitFor({ timeout: 45000 }).catch(async () => {
      const state = await page.locator('#plan-map').getAttribute('data-map-state');
      throw new Error(`map not ready (state ${state})`);
    });
    const colours = await canvasColours(page, '#plan-map');
    check(colours.painted > 0.05, `the map is blank: ${(colours.painted * 100).toFixed(1)} % painted`);
    check(colours.distinct >= 8, `the map is nearly blank: ${colours.distinct} distinct colours`);
    await page.screenshot({ path: shot('plan.png'), fullPage: true });
  });

  await step('click on the map shows the feature info', async () => {
    const box = await page.locator('#plan-map').boundingBox();
    // The view is fitted to the plan: its centre first, then points around it.
    const offsets = [[0, 0], [-0.1, 0], [0.1, 0], [0, -0.1], [0, 0.1], [-0.2, -0.2], [0.2, 0.2], [-0.2, 0.2], [0.2, -0.2], [0.3, 0], [-0.3, 0]];
    let text = '';
    for (const [dx, dy] of offsets) {
      const x = box.x + box.width * (0.5 + dx);
      const y = box.y + box.height * (0.5 + dy);
      await page.evaluate(() => { document.querySelector('#feature-info').removeAttribute('data-state'); });
      await page.mouse.click(x, y);
      await page.locator('#feature-info[data-state]').waitFor();
      text = await page.locator('#feature-info').textContent();
      if (/gml:id/.test(text) && /\b(BP|FP|LP|RP|SO|XP)_[A-Za-z]+/.test(text)) break;
    }
    check(/gml:id/.test(text) && /\b(BP|FP|LP|RP|SO|XP)_[A-Za-z]+/.test(text), `no feature attributes in the info panel: ${text.slice(0, 200)}`);
    await page.locator('.plan__map-card').screenshot({ path: shot('feature-info.png') });
  });

  await step('plan list shows the plan and filters by name', async () => {
    await page.click('nav a[href="#/"]');
    await page.locator('h1', { hasText: 'Pläne' }).waitFor();
    const link = page.locator('#list-results a', { hasText: planName });
    await link.first().waitFor();
    // A part of the name finds it ...
    const part = planName.slice(0, Math.max(3, Math.ceil(planName.length * 0.6)));
    await page.fill('#f-name', part);
    await page.waitForFunction((p) => {
      if (!decodeURIComponent(location.hash).includes(`name=${p}`)) return false;
      const names = [...document.querySelectorAll('#list-results tbody .cell-name')].map((td) => td.textContent.toLowerCase());
      return names.length > 0 && names.every((n) => n.includes(p.toLowerCase()));
    }, part);
    check(await link.count() >= 1, `the plan is not found by "${part}"`);
    // ... a name nobody has finds nothing.
    await page.fill('#f-name', 'kein-plan-heisst-so-7f3a');
    await page.locator('#list-count', { hasText: 'Keine Pläne gefunden' }).waitFor();
    check(await page.locator('#list-results tbody tr').count() === 0, 'rows for a name nobody has');
    await page.fill('#f-name', part);
    await link.first().waitFor();
    // The plan type filter: another type drops the plan, its own keeps it.
    const type = (await page.locator('#list-results tbody tr', { hasText: planName }).first().locator('td[data-label="Planart"]').textContent()).trim();
    await page.selectOption('#f-type', type === 'FP' ? 'BP' : 'FP');
    await page.locator('#list-count', { hasText: 'Keine Pläne gefunden' }).waitFor();
    await page.selectOption('#f-type', type);
    await link.first().waitFor();
    await page.screenshot({ path: shot('plan-list.png'), fullPage: true });
    // Reset shows all plans again.
    const filtered = await page.locator('#list-results tbody tr').count();
    await page.click('#filter-form button[type="reset"]');
    await page.waitForFunction((n) => document.querySelector('#f-name').value === '' && !location.hash.includes('name=')
      && document.querySelectorAll('#list-results tbody tr').length >= n, filtered);
  });

  await step('phone width (375 px): no horizontal scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${base}/`);
    await page.locator('#list-results tbody tr').first().waitFor();
    const listWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    check(listWidth <= 376, `the plan list is ${listWidth} px wide at 375 px`);
    await page.screenshot({ path: shot('plan-list-375.png'), fullPage: true });
    await page.goto(planUrl);
    await page.locator('#plan-map[data-map-state="ready"]').waitFor({ timeout: 45000 });
    const planWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    check(planWidth <= 376, `the plan page is ${planWidth} px wide at 375 px`);
    await page.screenshot({ path: shot('plan-375.png'), fullPage: true });
    await page.goto(`${base}/#/upload`);
    await page.locator('h1', { hasText: 'Plan hochladen' }).waitFor();
    const upWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    check(upWidth <= 376, `the upload page is ${upWidth} px wide at 375 px`);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await step('log out', async () => {
    await page.click('#logout');
    await page.locator('#login-open').waitFor({ state: 'visible' });
    check(await page.evaluate(() => sessionStorage.length) === 0, 'credentials left in sessionStorage');
  });

  await step('no page errors, nothing loaded from elsewhere', async () => {
    check(pageErrors.length === 0, `uncaught errors in the page: ${pageErrors.join(' | ')}`);
    check(foreignRequests.length === 0, `requests to other hosts: ${foreignRequests.join(', ')}`);
  });
} catch (e) {
  try { if (context) await context.pages()[0]?.screenshot({ path: shot('failure.png'), fullPage: true }); } catch { /* ignore */ }
  if (context) await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
  fail(`${e.message}${pageErrors.length ? `\npage errors: ${pageErrors.join(' | ')}` : ''}`);
}

await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
clearTimeout(deadline);
console.log(`browser test passed; screenshots in ${shotDir}`);
process.exit(0);

/**
 * Pixel statistics of the OpenLayers canvases in `selector`: share of
 * painted (non-transparent) pixels and number of distinct colours.
 */
async function canvasColours(page, selector) {
  return page.evaluate((sel) => {
    const canvases = [...document.querySelectorAll(`${sel} canvas`)];
    const colours = new Set();
    let painted = 0;
    let total = 0;
    for (const c of canvases) {
      if (!c.width || !c.height) continue;
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      total += c.width * c.height;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        painted++;
        colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      }
    }
    return { canvases: canvases.length, painted: total ? painted / total : 0, distinct: colours.size };
  }, selector);
}
