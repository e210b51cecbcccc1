#!/usr/bin/env node
// The review page in a real browser (Debian's Chromium, driven by
// playwright-core): decide five cards with the keyboard, undo one, reload
// and see the state kept; show the heat map (h) over a card and hide it
// again; then page through the duplicate groups and read
// what each card says the group is. Prints one JSON line with what it saw. Times
// are no part of it (bench/review.sh measures them); every wait is only
// bounded (60 s), against a hang, so a slow sanitized build still passes.
//
//   node tests/node/review-browser.js URL SCREENSHOT.png
'use strict';
const path = require('path');
const { chromium } = require(path.join(__dirname, 'node_modules', 'playwright-core'));

// Every card of the groups queue, as shown: its kind (the card's data and
// the words in its header), its keeper's path and each copy's path and tag.
async function readGroups(page) {
  await page.click('#tab-groups');
  await page.waitForSelector('#card.group');
  const seen = [];
  while (seen.length < 100 && await page.$('#card.group')) {
    const g = await page.$eval('#card', (e) => ({
      id: e.dataset.id,
      match: e.dataset.match,
      head: e.querySelector('.ghead span').textContent,
      keeper: e.querySelector('.member.proposed .path').textContent,
      copies: [...e.querySelectorAll('.member:not(.proposed)')].map((m) => ({
        path: m.querySelector('.path').textContent,
        tag: (m.querySelector('.tag.kind') || {}).textContent || '',
      })),
    }));
    seen.push(g);
    await page.keyboard.press('j');
    await page.waitForFunction((id) => document.querySelector('#card').dataset.id !== id, g.id);
  }
  return seen;
}

async function main() {
  const [url, shot] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const errors = [];
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(60000);
  page.setDefaultNavigationTimeout(60000);
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  await page.waitForSelector('#card[data-id]:not([data-id=""])');
  const card = async () => page.$eval('#card', (e) => ({
    id: e.dataset.id, queue: e.dataset.queue, index: e.dataset.index, decision: e.dataset.decision,
  }));
  const counts = async () => page.$eval('#counts', (e) => ({
    keep: +e.querySelector('#count-keep').textContent,
    delete: +e.querySelector('#count-delete').textContent,
    relabel: +e.querySelector('#count-relabel').textContent,
    skip: +e.querySelector('#count-skip').textContent,
  }));
  // the number key of a class other than the card's own
  const otherClass = async (id, queue) => page.evaluate(async ([id, queue]) => {
    const token = new URLSearchParams(location.search).get('token');
    const get = async (u) => (await fetch(u, { headers: { 'X-Token': token } })).json();
    const state = await get('/api/state');
    const items = await get(`/api/items?queue=${queue}&from=0&n=500`);
    const item = items.items.find((x) => String(x.id) === id);
    return String(state.classes.findIndex((c) => c !== item.given) + 1);
  }, [id, queue]);
  // five decisions: keep, delete, relabel to another class, skip, keep
  const keys = ['k', 'x', 'relabel', 's', 'Enter'];
  const decided = [];
  for (let k of keys) {
    const before = await card();
    decided.push(before.id);
    if (k === 'relabel') k = await otherClass(before.id, before.queue);
    await page.keyboard.press(k);
    await page.waitForFunction((id) => document.querySelector('#card').dataset.id !== id,
                               before.id);
  }
  const afterFive = await counts();
  await page.keyboard.press('u');
  await page.waitForFunction((c) => {
    const n = ['keep', 'delete', 'relabel', 'skip']
      .reduce((a, k) => a + +document.querySelector('#count-' + k).textContent, 0);
    return n === c - 1;
  }, 5);
  const afterUndo = await counts();
  const undoneCard = await card();
  await page.reload();
  await page.waitForSelector('#card[data-id]:not([data-id=""])');
  const afterReload = await counts();
  const resumed = await card();
  await page.screenshot({ path: shot, fullPage: true });
  // h: the heat map of the card's predicted class over its image; H: of its
  // folder class; the same key again: the picture
  const heatShown = async (role) => {
    await page.waitForFunction((role) => {
      const im = document.querySelector('#card .media img.heat');
      return im && im.dataset.role === role && im.complete && im.naturalWidth > 0;
    }, role);
    return page.$eval('#card .media img.heat', (im) => ({
      id: document.querySelector('#card').dataset.id, path: new URL(im.src).pathname,
      cls: new URL(im.src).searchParams.get('class'), role: im.dataset.role,
      width: im.naturalWidth, height: im.naturalHeight,
      predicted: document.querySelector('#card dl dd:nth-of-type(2)').textContent,
      given: document.querySelector('#card dl dd:nth-of-type(1)').textContent,
    }));
  };
  await page.keyboard.press('h');
  const heat = await heatShown('predicted');
  await page.screenshot({ path: shot.replace(/\.png$/, '-heat.png'), fullPage: true });
  await page.keyboard.press('H');
  const folderHeat = await heatShown('folder');
  await page.keyboard.press('h');
  const heatAgain = await heatShown('predicted');
  await page.keyboard.press('h');
  await page.waitForFunction(() => document.querySelector('#card .media img') &&
                             !document.querySelector('#card .media img.heat'));
  const afterHeat = await counts();
  const groups = await readGroups(page);
  await browser.close();
  console.log(JSON.stringify({ decided, afterFive, afterUndo, undoneCard, afterReload, resumed,
                               heat, folderHeat, heatAgain, afterHeat, groups, errors }));
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
