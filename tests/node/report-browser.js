#!/usr/bin/env node
// Opens a db report in headless Chromium: it must render without console
// errors and without fetching anything; saves a screenshot. Prints one
// JSON line: errors, requests made, the page's height, the charts drawn.
//
//   node tests/node/report-browser.js REPORT.html SCREENSHOT.png
'use strict';
const path = require('path');
const { chromium } = require(path.join(__dirname, 'node_modules', 'playwright-core'));

(async () => {
  const [file, shot] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
                                          args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = [], requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url()); });
  await page.goto('file://' + path.resolve(file));
  const seen = await page.evaluate(() => ({
    charts: document.querySelectorAll('svg.chart').length,
    thumbs: [...document.querySelectorAll('figure img')].filter((i) => i.complete && i.naturalWidth > 0).length,
    height: document.body.scrollHeight,
  }));
  await page.screenshot({ path: shot, fullPage: true });
  await browser.close();
  console.log(JSON.stringify({ errors, requests, ...seen }));
})().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
