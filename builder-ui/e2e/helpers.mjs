// Shared by the browser tests: the real morph binary on a loopback port with a fresh SQLite store, the sme-crm
// example and demo data; Debian's Chromium through playwright-core; axe-core; screenshots.
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
export const repoRoot = join(here, '..', '..')
export const shotsDir = join(here, 'screenshots')
const binary = process.env.MORPH_BIN || join(repoRoot, 'bin', 'morph')

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)) })
  })
}

// startMorph runs `morph serve` with demo data and returns its URL, the demo users' passwords (printed once in
// its log) and stop().
export async function startMorph({ demo = 20 } = {}) {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run make build`)
  const dir = mkdtempSync(join(tmpdir(), 'morph-e2e-'))
  const port = await freePort()
  const proc = spawn(binary, ['serve', '--addr', `127.0.0.1:${port}`, '--store', `sqlite:${join(dir, 'morph.db')}`,
    '--example', 'sme-crm', '--demo', String(demo)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } })
  const users = {}
  let log = ''
  const ready = new Promise((resolve, reject) => {
    const onData = chunk => {
      log += chunk.toString()
      let m
      const re = /msg="(first administrator created|demo user created)[^"]*".*?email=(\S+).*?(?:role=(\S+) )?password=(\S+)/g
      while ((m = re.exec(log))) users[m[2]] = { email: m[2], role: m[3] || 'admin', password: m[4] }
      if (log.includes('morph listening')) resolve()
    }
    proc.stdout.on('data', onData)
    proc.stderr.on('data', onData)
    proc.once('exit', code => reject(new Error(`morph exited (${code}):\n${log}`)))
    setTimeout(() => reject(new Error(`morph did not start:\n${log}`)), 60_000).unref()
  })
  await ready
  const url = `http://127.0.0.1:${port}`
  const byRole = role => Object.values(users).filter(u => u.role === role)
  return {
    url, users, byRole, log: () => log,
    async stop() {
      proc.kill('SIGTERM')
      await new Promise(r => { if (proc.exitCode !== null) r(); else proc.once('exit', r) })
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

// newPage opens a page at desktop or phone size, failing the test on any request that leaves the server.
export async function newPage(browser, server, { phone = false, locale = 'en-US' } = {}) {
  const ctx = await browser.newContext({
    viewport: phone ? { width: 390, height: 844 } : { width: 1366, height: 900 },
    deviceScaleFactor: 1, isMobile: phone, hasTouch: phone, locale,
  })
  const page = await ctx.newPage()
  const outside = []
  page.on('request', r => { if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) outside.push(r.url()) })
  page.outside = outside
  return page
}

export async function signIn(page, server, email, { to = '/' } = {}) {
  const u = server.users[email]
  if (!u) throw new Error(`no password for ${email}; users: ${Object.keys(server.users)}`)
  await page.goto(server.url + to)
  await page.waitForSelector('#login-email')
  await page.fill('#login-email', email)
  await page.fill('#login-password', u.password)
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-test=user-menu]')
}

// api calls the server as a signed-in user of the page (its cookie), for test set-up.
export async function api(page, method, path, body, headers = {}) {
  return page.evaluate(async ({ method, path, body, headers }) => {
    const r = await fetch(path, { method, headers: { 'Content-Type': 'application/json', 'X-Morph-CSRF': '1', ...headers }, body: body ? JSON.stringify(body) : undefined })
    const text = await r.text()
    return { status: r.status, body: text ? JSON.parse(text) : null, etag: r.headers.get('ETag') }
  }, { method, path, body, headers })
}

// choose opens the Element Plus select at trigger (a selector or a locator: the select, its wrapper or anything inside
// it) and clicks the option whose text matches option (a substring or a RegExp). The option is looked for only in
// that select's own dropdown (the one its combobox's aria-controls names), never in another select's dropdown that
// is still fading out; a dropdown that closed before the click (a re-render, a transition) is opened again.
export async function choose(page, trigger, option) {
  const root = typeof trigger === 'string' ? page.locator(trigger).first() : trigger.first()
  const combobox = root.locator('xpath=self::*[@role="combobox"] | .//*[@role="combobox"] | ancestor::*[contains(concat(" ", @class, " "), " el-select ")][1]//*[@role="combobox"]').first()
  for (let attempt = 1; ; attempt++) {
    if (await combobox.getAttribute('aria-expanded') !== 'true') await root.click()
    const id = await combobox.getAttribute('aria-controls')
    const item = page.locator(`[id="${id}"] .el-select-dropdown__item`).filter({ hasText: option }).first()
    try {
      await item.click({ timeout: 5000 })
      return
    } catch (err) {
      if (attempt === 4) throw err
    }
  }
}

// drag moves the mouse from the middle of from to the middle of to in small steps, as a hand does: Sortable (the
// kanban) decides where a card goes from the moves it sees, and one jump can leave it where it was. It moves the
// card on dragover, so a list the path crosses can take it: the pointer rests over the target, moving a little,
// until the target holds the dragged element (when it is a list that can), and only then is released.
export async function drag(page, from, to) {
  const a = await from.boundingBox()
  const b = await to.boundingBox()
  if (!a || !b) throw new Error('drag: an element is not on the screen')
  const item = await from.elementHandle()
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2)
  await page.mouse.down()
  const steps = 12
  const x = b.x + b.width / 2, y = b.y + Math.min(b.height / 2, 40)
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(a.x + a.width / 2 + (x - a.x - a.width / 2) * i / steps, a.y + a.height / 2 + (y - a.y - a.height / 2) * i / steps)
  }
  for (let i = 0; i < 20; i++) {
    if (await to.evaluate((t, el) => t.contains(el), item).catch(() => false)) break
    await page.mouse.move(x + (i % 2 ? 3 : -3), y + (i % 3) * 2)
    await page.waitForTimeout(25)
  }
  await page.mouse.up()
  await item.dispose()
}

export async function shot(page, name) {
  mkdirSync(shotsDir, { recursive: true })
  await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true })
}

const axeSource = readFileSync(join(here, '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8')

// axe runs axe-core in the page and returns its serious and critical violations.
export async function axe(page) {
  // Judge the page, not a frame of an animation: wait for Vue's enter and leave transitions (a tag zooming in,
  // a dropdown fading out) to end.
  await page.waitForFunction(() => !document.querySelector('[class*="-enter-active"], [class*="-leave-active"]'),
    null, { timeout: 5000 }).catch(() => {})
  await page.evaluate(axeSource)
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] })
    return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
      .map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }))
  })
  return res
}

// noSideways tells whether the page scrolls sideways.
export function sideways(page) {
  return page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }))
}

// firstScreenBytes sums the gzipped size of the JS and CSS files a page load fetched.
export function trackAssets(page) {
  const files = new Map()
  page.on('response', async r => {
    const u = r.url()
    if (!/\.(js|css)(\?|$)/.test(u)) return
    try { files.set(u, gzipSync(await r.body(), { level: 9 }).length) } catch { /* aborted */ }
  })
  return () => [...files.values()].reduce((a, b) => a + b, 0)
}

// measureList opens a list as a signed-in user would and returns (no assertion: speed is reported, not tested)
// the gzipped JS+CSS of the first screen, the time of a cold load of the list, of opening it again from the
// navigation, and of paging to the next page; for the last two also the page's main-thread CPU (Chrome's thread
// time, which other load on the machine disturbs least), the time of the list's request as the page saw it, and the
// time from that request's start until its rows were on screen (timed by the page, without the test's own polling).
// cookies are a signed-in context's.
export async function measureList(browser, url, cookies, entity, from = 'product') {
  const page = await browser.newContext({ viewport: { width: 1366, height: 900 } }).then(c => c.newPage())
  await page.context().addCookies(cookies)
  const bytes = trackAssets(page)
  const rows = '[data-test=record-table] tbody tr'
  let t0 = Date.now()
  await page.goto(`${url}/e/${entity}`)
  await page.waitForSelector(rows)
  const coldMs = Date.now() - t0
  await page.waitForLoadState('networkidle')
  const gz = bytes()
  await page.click(`nav.side a[data-entity=${from}]`)
  await page.waitForFunction(e => location.pathname === `/e/${e}` && document.querySelector('[data-test=record-table]')
    && document.querySelector('[data-test=total]')?.textContent.trim(), from)
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
  const cpu = async () => (await cdp.send('Performance.getMetrics')).metrics.find(m => m.name === 'TaskDuration').value * 1000
  // The list's request and the rows on screen, timed by the page itself from the request's start.
  // And the whole of it as the user meets it: from pressing the button (the pointerdown event's time) to the frame
  // that shows the rows, on the page's own clock, without the automation's round trips.
  const apiMs = () => page.evaluate(async () => {
    while (window.__morphLastList?.shownMs < 0) await new Promise(r => setTimeout(r, 10))
    const l = window.__morphLastList
    return { api: Math.round(l?.ms ?? -1), shown: Math.round(l?.shownMs ?? -1),
      press: window.__morphPressAt >= 0 && l?.shownAt >= 0 ? Math.round(l.shownAt - window.__morphPressAt) : -1 }
  })
  const onPress = () => page.evaluate(() => {
    window.__morphPressAt = -1
    document.addEventListener('pointerdown', e => { window.__morphPressAt = e.timeStamp }, { capture: true, once: true })
  })
  await onPress()
  let c0 = await cpu()
  t0 = Date.now()
  await page.click(`nav.side a[data-entity=${entity}]`)
  await page.waitForFunction(e => location.pathname === `/e/${e}` && document.querySelector('[data-test=record-table] tbody tr'), entity)
  const warmMs = Date.now() - t0
  const warmCpuMs = Math.round(await cpu() - c0)
  const { api: warmApiMs, shown: warmShownMs, press: warmPressMs } = await apiMs()
  const first = await page.innerText(rows)
  await onPress()
  c0 = await cpu()
  t0 = Date.now()
  await page.click('[data-test=next-page]')
  await page.waitForFunction(([sel, r]) => document.querySelector(sel)?.innerText !== r, [rows, first])
  const nextMs = Date.now() - t0
  const nextCpuMs = Math.round(await cpu() - c0)
  const { api: nextApiMs, shown: nextShownMs, press: nextPressMs } = await apiMs()
  const total = await page.innerText('[data-test=total]')
  await page.context().close()
  return { gzKB: Math.round(gz / 1024), coldMs, warmMs, warmCpuMs, warmApiMs, warmShownMs, warmPressMs,
    nextMs, nextCpuMs, nextApiMs, nextShownMs, nextPressMs, total }
}
