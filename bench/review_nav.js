#!/usr/bin/env node
// For bench/review.sh: open a review session in headless Chromium ROUNDS
// times, each in a fresh context (no cache), and time the first card (its
// image loaded); then step through N cards with the j key and time how
// long each new card's image takes to be shown (prefetched thumbnails
// show at once). Prints one JSON line: medians and worsts.
//
//   node bench/review_nav.js URL N [ROUNDS]
'use strict';
const path = require('path');
const { chromium } = require(path.resolve(__dirname, '../tests/node/node_modules/playwright-core'));

async function main() {
  const [url, n, rounds] = [process.argv[2], Number(process.argv[3] || 30),
                            Number(process.argv[4] || 5)];
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
                                          args: ['--no-sandbox', '--disable-gpu'] });
  const firsts = [];
  let page;
  for (let r = 0; r < rounds; r++) {
    if (page) await page.context().close();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const t0 = Date.now();
    await page.goto(url);
    await page.waitForFunction(() => {
      const c = document.querySelector('#card');
      const img = c && c.querySelector('img');
      return c && c.dataset.id && img && img.complete && img.naturalWidth > 0;
    }, null, { timeout: 60000 });
    firsts.push(Date.now() - t0);
  }
  await page.waitForTimeout(500);  // let the prefetch of the next cards start
  const steps = [];
  for (let i = 0; i < n; i++) {
    const before = await page.$eval('#card', (e) => e.dataset.id);
    const s = Date.now();
    await page.keyboard.press('j');
    await page.waitForFunction((id) => {
      const c = document.querySelector('#card');
      const img = c.querySelector('img');
      return c.dataset.id !== id && img && img.complete && img.naturalWidth > 0;
    }, before, { timeout: 10000, polling: 'raf' });
    steps.push(Date.now() - s);
    await page.waitForTimeout(150);  // a reviewer's glance, during which prefetch runs
  }
  await browser.close();
  steps.sort((a, b) => a - b);
  firsts.sort((a, b) => a - b);
  console.log(JSON.stringify({ firstCardMedianMs: firsts[firsts.length >> 1],
                               firstCardMaxMs: firsts[firsts.length - 1], rounds: firsts.length,
                               stepMedianMs: steps[steps.length >> 1],
                               stepMaxMs: steps[steps.length - 1], steps: steps.length }));
}
main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
