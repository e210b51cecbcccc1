#!/usr/bin/env node
// The review page's grid and issues queue in a real browser (Debian's
// Chromium, driven by playwright-core), against a session started with
// --queue issues: the page opens on the issues queue and its card names
// the issues; a delete there lands and is undone; then, in the grid of
// the suspects, a selection made by clicks, a shift-click and keys, one
// relabel and one delete of a selection, each undone as one action. It
// reads the catalog (sqlite3) after every step and prints one JSON line
// with what it saw; the shell script judges it. Every wait is bounded
// (60 s), against a hang.
//
//   node tests/node/review-grid.js URL CATALOG SCREENSHOT.png
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');
const { chromium } = require(path.join(__dirname, 'node_modules', 'playwright-core'));

const [url, db, shot] = process.argv.slice(2);

// The catalog's undecided... decided rows, as the server wrote them.
function reviews() {
  const out = execFileSync('sqlite3', ['-separator', '\t', db,
    'SELECT image_id, queue, decision, coalesce(new_class, \'\'), seq FROM reviews ORDER BY image_id'],
  { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((l) => {
    const [id, queue, decision, cls, seq] = l.split('\t');
    return { id: +id, queue, decision, cls, seq: +seq };
  });
}

async function main() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const errors = [];
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.setDefaultTimeout(60000);
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const seen = { errors };

  // --queue issues: the page opens there, the card names the issues
  await page.goto(url);
  await page.waitForSelector('#card[data-id]:not([data-id=""])');
  const card = async () => page.$eval('#card', (e) => ({
    id: +e.dataset.id, queue: e.dataset.queue, issues: e.dataset.issues,
    decision: e.dataset.decision, text: e.querySelector('dl').textContent,
  }));
  seen.opened = await card();
  await page.keyboard.press('x');
  await page.waitForFunction((id) => +document.querySelector('#card').dataset.id !== id,
                             seen.opened.id);
  seen.afterIssueDelete = reviews();
  await page.keyboard.press('u');
  await page.waitForFunction((id) => +document.querySelector('#card').dataset.id === id &&
                             document.querySelector('#card').dataset.decision === '',
                             seen.opened.id);
  seen.afterIssueUndo = reviews();

  // the grid of the suspects
  await page.click('#tab-suspects');
  await page.waitForFunction(() => document.querySelector('#card').dataset.queue === 'suspects');
  await page.keyboard.press('g');
  await page.waitForSelector('#grid:not([hidden]) .tile');
  const grid = async () => page.$eval('#grid', (g) => ({
    queue: g.dataset.queue,
    selected: g.dataset.selected ? g.dataset.selected.split(',').map(Number) : [],
    ids: [...g.querySelectorAll('.tile')].map((t) => +t.dataset.id),
    cur: [...g.querySelectorAll('.tile')].findIndex((t) => t.classList.contains('cur')),
    decisions: [...g.querySelectorAll('.tile')].map((t) => t.dataset.decision),
  }));
  const tile = (k) => `#grid .tile:nth-child(${k + 1})`;
  seen.grid = await grid();
  const sel = {};
  await page.click(tile(0));
  sel.click0 = (await grid()).selected;
  await page.click(tile(3), { modifiers: ['Shift'] });
  sel.shift3 = (await grid()).selected;
  await page.click(tile(1));
  sel.unclick1 = (await grid()).selected;
  await page.keyboard.press('Escape');
  sel.escape = (await grid()).selected;
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press(' ');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press(' ');
  const g = await grid();
  sel.keys = g.selected;
  sel.keysCur = g.cur;
  await page.keyboard.press('a');
  sel.all = (await grid()).selected;
  await page.keyboard.press('a');
  sel.none = (await grid()).selected;
  seen.sel = sel;

  // one relabel of five, with the first relabel key (the suggestion)
  await page.click(tile(0));
  await page.click(tile(4), { modifiers: ['Shift'] });
  seen.relabelIds = (await grid()).selected;
  seen.firstKey = await page.$eval('#actions button[data-class]', (b) => ({
    cls: b.dataset.class, key: b.querySelector('kbd').textContent, text: b.textContent,
  }));
  seen.items = await page.evaluate(async () => {
    const token = new URLSearchParams(location.search).get('token');
    const r = await fetch('/api/items?queue=suspects&from=0&n=500', { headers: { 'X-Token': token } });
    return (await r.json()).items.map((x) => ({ id: x.id, given: x.given, predicted: x.predicted }));
  });
  await page.keyboard.press('1');
  await page.waitForFunction(() => [...document.querySelectorAll('#grid .tile')].slice(0, 5)
    .every((t) => t.dataset.decision));
  seen.afterRelabel = reviews();
  seen.gridAfterRelabel = await grid();
  await page.screenshot({ path: shot, fullPage: true });
  await page.keyboard.press('u');
  await page.waitForFunction(() => [...document.querySelectorAll('#grid .tile')].slice(0, 5)
    .every((t) => !t.dataset.decision));
  seen.afterRelabelUndo = reviews();

  // one delete of three, picked by keys
  await page.keyboard.press('Escape');
  await page.click(tile(5));
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press(' ');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press(' ');
  seen.deleteIds = (await grid()).selected;
  await page.keyboard.press('x');
  await page.waitForFunction(() => [...document.querySelectorAll('#grid .tile')].slice(5, 8)
    .every((t) => t.dataset.decision === 'delete'));
  seen.afterDelete = reviews();
  await page.keyboard.press('u');
  await page.waitForFunction(() => [...document.querySelectorAll('#grid .tile')].slice(5, 8)
    .every((t) => !t.dataset.decision));
  seen.afterDeleteUndo = reviews();

  // g again: the cards, at the grid's cursor
  await page.keyboard.press('g');
  await page.waitForFunction(() => document.querySelector('#grid').hidden);
  await page.waitForSelector('#card:not([hidden])[data-id]:not([data-id=""])');
  seen.back = await card();
  await browser.close();
  console.log(JSON.stringify(seen));
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
