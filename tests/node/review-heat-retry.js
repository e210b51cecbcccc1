#!/usr/bin/env node
// A heat map asked for before any head exists, then again once one is
// trained, in a real browser (Debian's Chromium, driven by playwright-core)
// on a review session that was started before the training: h shows no map
// (the page says why); the script writes MARKS/failed and waits for
// MARKS/trained (the test runs label train meanwhile); after the server's
// retry delay (RETRY_MS) h again shows the map, and H the folder class's.
// Prints one JSON line with what it saw; every wait is bounded (120 s).
//
//   node tests/node/review-heat-retry.js URL MARKS RETRY_MS
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require(path.join(__dirname, 'node_modules', 'playwright-core'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const [url, marks, retry] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const errors = [];
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(120000);
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('#card[data-id]:not([data-id=""]):not(.group)');
  const id = await page.$eval('#card', (e) => e.dataset.id);
  // before any head: the map fails to load and the page says so
  await page.keyboard.press('h');
  await page.waitForFunction(() => {
    const im = document.querySelector('#card .media img.heat');
    return im && im.complete && im.naturalWidth === 0 &&
      document.querySelector('#status').classList.contains('err');
  });
  const failed = await page.$eval('#status', (e) => e.textContent);
  const answer = await page.evaluate(async (id) => {
    const token = new URLSearchParams(location.search).get('token');
    const r = await fetch(`/cam/${id}.png?token=${token}`);
    return { status: r.status, body: await r.text() };
  }, id);
  await page.keyboard.press('h');
  fs.writeFileSync(path.join(marks, 'failed'), '');
  for (let i = 0; i < 1200 && !fs.existsSync(path.join(marks, 'trained')); i++) await sleep(100);
  await sleep(Number(retry));
  // after the training and the retry delay: the same keys show the maps
  const shown = async (role) => {
    await page.waitForFunction((role) => {
      const im = document.querySelector('#card .media img.heat');
      return im && im.dataset.role === role && im.complete && im.naturalWidth > 0;
    }, role);
    return page.$eval('#card .media img.heat', (im) => ({
      id: document.querySelector('#card').dataset.id, role: im.dataset.role,
      cls: new URL(im.src).searchParams.get('class'), width: im.naturalWidth,
    }));
  };
  await page.keyboard.press('h');
  const predicted = await shown('predicted');
  await page.keyboard.press('H');
  const folder = await shown('folder');
  await browser.close();
  console.log(JSON.stringify({ id, failed, answer, predicted, folder, errors }));
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
