// SPDX-License-Identifier: GPL-2.0-or-later
// Drives Debian's chromium (headless, through playwright-core) against the
// page of a running pageidled; run by tests/web/test-web.sh:
//   node page.js BASE_URL EXPECTED_PATHS_JSON XSS_NAME SCREENSHOT
// Checks that every tracked cgroup is in the table, that the chart of the
// selected cgroup has one point per scan and follows new scans, that the
// table sorts, and that a cgroup named like markup is shown as text with no
// script run (no dialog, no element made from it).  Prints "ok ..." per
// check; exits 1 at the first failure.
'use strict';

const { chromium } = require('playwright-core');
const fs = require('fs');

const [base, expectedJSON, xssName, screenshot] = process.argv.slice(2);
const expected = JSON.parse(expectedJSON);

function fail(what) {
        console.log('FAIL: ' + what);
        process.exit(1);
}

function ok(what) {
        console.log('ok ' + what);
}

function executable() {
        // The binary itself: /usr/bin/chromium is Debian's wrapper script.
        for (const p of ['/usr/lib/chromium/chromium', '/usr/bin/chromium'])
                if (fs.existsSync(p))
                        return p;
        fail('no chromium (apt-get install chromium)');
}

async function rows(page) {
        return page.$$eval('#rows tr', trs => trs.map(tr => ({
                path: tr.dataset.path,
                text: tr.cells[0].textContent,
                values: Array.from(tr.cells).map(td => td.dataset.value),
        })));
}

async function columnIndex(page, key) {
        return page.$$eval('#columns th', (ths, k) => ths.findIndex(th => th.dataset.key === k), key);
}

function sorted(list, compare) {
        return list.every((x, i) => i === 0 || compare(list[i - 1], x) <= 0);
}

async function main() {
        const browser = await chromium.launch({ executablePath: executable(), headless: true,
                                                args: ['--disable-gpu', '--no-first-run'] });
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        const dialogs = [], errors = [], violations = [];

        page.on('dialog', d => {
                dialogs.push(d.message());
                d.dismiss().catch(() => {});
        });
        page.on('pageerror', e => errors.push(String(e)));
        await page.exposeFunction('reportViolation', v => violations.push(v));
        await page.addInitScript(() => {
                document.addEventListener('securitypolicyviolation',
                                          e => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI));
        });

        const response = await page.goto(base + '/');
        if (!response.ok())
                fail('GET / answered ' + response.status());
        const headers = response.headers();
        if (!/text\/html/.test(headers['content-type']))
                fail('/ to a browser is ' + headers['content-type'] + ', not text/html');
        if (!/script-src 'self'/.test(headers['content-security-policy'] || ''))
                fail('no Content-Security-Policy with script-src \'self\' on /');
        ok('/ is the page, with its Content-Security-Policy');
        await page.waitForSelector('body[data-ready="yes"]', { timeout: 20000 });

        // Every tracked cgroup, by its name as text.
        let r = await rows(page);
        const shown = r.map(x => x.path).sort();
        if (JSON.stringify(shown) !== JSON.stringify(expected.slice().sort()))
                fail('the table has ' + JSON.stringify(shown) + ', expected ' + JSON.stringify(expected));
        for (const x of r)
                if (x.text !== x.path)
                        fail('the row of ' + JSON.stringify(x.path) + ' reads ' + JSON.stringify(x.text));
        ok('every tracked cgroup is in the table (' + r.length + '), its name as text');

        // The chart of the selected cgroup: one point per scan, and it
        // follows the scans by itself.
        const chartState = () => page.$eval('#chart-bytes', el => ({
                points: Number(el.dataset.points), scan: Number(el.dataset.scanCount), path: el.dataset.path,
        }));
        await page.waitForFunction(() => {
                const el = document.getElementById('chart-bytes');
                return el.dataset.points && Number(el.dataset.points) >= 3;
        }, null, { timeout: 20000 });
        const first = await chartState();
        if (first.points !== first.scan)
                fail('the chart has ' + first.points + ' points after ' + first.scan + ' scans');
        const history = await (await page.request.get(base + '/history.json?cgroup=' +
                                                      encodeURIComponent(first.path))).json();
        const counts = history.cgroups[0].scan_count;
        if (counts.some((c, i) => c !== i + 1))
                fail('/history.json has scans ' + JSON.stringify(counts) + ', not 1, 2, 3, ...');
        await page.waitForFunction(n => Number(document.getElementById('chart-bytes').dataset.scanCount) > n,
                                   first.scan, { timeout: 20000 });
        const later = await chartState();
        if (later.points !== later.scan || later.points <= first.points)
                fail('after more scans the chart has ' + later.points + ' points for ' + later.scan + ' scans');
        ok('the chart has one point per scan: ' + first.points + ', then ' + later.points + ' by itself');

        // Sorting: bytes both ways, then by name.
        const bytes = await columnIndex(page, 'bytes');
        const byBytes = x => Number(x.values[bytes]);
        r = await rows(page);
        if (!sorted(r, (a, b) => byBytes(b) - byBytes(a)))
                fail('not sorted by bytes, largest first, at start');
        await page.click('#columns th[data-key="bytes"]');
        r = await rows(page);
        if (!sorted(r, (a, b) => byBytes(a) - byBytes(b)))
                fail('a click on bytes did not sort smallest first');
        if (byBytes(r[0]) === byBytes(r[r.length - 1]))
                fail('every cgroup has the same bytes: the sort proves nothing');
        await page.click('#columns th[data-key="idle_ratio"]');
        await page.click('#columns th[data-key="path"]');
        r = await rows(page);
        if (!sorted(r, (a, b) => a.path.localeCompare(b.path)))
                fail('a click on cgroup did not sort by name');
        if (await page.$eval('#columns th[data-key="path"]', th => th.getAttribute('aria-sort')) !== 'ascending')
                fail('the sorted column does not say so');
        ok('the table sorts by bytes (both ways), idle ratio and name');

        // The cgroup named like markup: text in the table and the title, no
        // element made of it, no dialog, no script.
        await page.click('#rows tr[data-path="' + xssName.replace(/["\\]/g, '\\$&') + '"]');
        await page.waitForFunction(p => document.getElementById('chart-bytes').dataset.path === p, xssName,
                                   { timeout: 20000 });
        const title = await page.$eval('#detail-path', el => el.textContent);
        if (title !== xssName)
                fail('the title reads ' + JSON.stringify(title));
        const imgs = await page.$$eval('img', l => l.length);
        if (imgs !== 0)
                fail(imgs + ' <img> elements on the page');
        const markup = await page.$eval('#rows', el => el.innerHTML);
        if (!markup.includes('&lt;img src=x onerror=alert(1)&gt;'))
                fail('the name is not escaped in the table\'s markup');
        await page.waitForTimeout(1000);
        if (dialogs.length > 0)
                fail('a dialog opened: ' + JSON.stringify(dialogs));
        if (errors.length > 0)
                fail('errors on the page: ' + JSON.stringify(errors));
        const scriptViolations = violations.filter(v => v.startsWith('script-src'));
        if (scriptViolations.length > 0)
                fail('scripts the policy refused: ' + JSON.stringify(scriptViolations));
        ok('the cgroup named ' + JSON.stringify(xssName) + ' is text: no element, no dialog, no script');

        await page.click('#rows tr[data-path="/a"]');
        await page.waitForFunction(() => document.getElementById('chart-bytes').dataset.path === '/a', null,
                                   { timeout: 20000 });
        await page.screenshot({ path: screenshot, fullPage: true });
        ok('screenshot in ' + screenshot);
        await browser.close();
}

main().catch(e => fail(String(e && e.stack || e)));
