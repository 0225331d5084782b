// Measures the form designer against a running server (see docs/PERFORMANCE.md): creates an entity "wide" of 150
// fields when the store has none, then opens its form designer from the list of forms three times (the designer's
// code already in the HTTP cache, as after a first visit) and reports the time from the click to the canvas showing
// and to all 150 fields on it, and the page's main-thread CPU (Chrome's thread time) for it. It measures earlier
// builds the same way. With --profile, also the functions that took the most of that CPU.
//   node builder-ui/e2e/measure-designer.mjs http://127.0.0.1:18941 admin@localhost PASSWORD [--profile]
import { launch } from './helpers.mjs'

const args = process.argv.slice(2)
const profile = args.includes('--profile')
const [url, email, password] = args.filter(a => !a.startsWith('--'))
if (!password) { console.error('usage: node measure-designer.mjs URL EMAIL PASSWORD [--profile]'); process.exit(2) }

function wide(n) {
  const properties = {}
  for (let i = 1; i <= n; i++) {
    const k = `f${String(i).padStart(3, '0')}`
    properties[k] = i % 5 === 0
      ? { type: 'string', enum: ['a', 'b'], 'x-type': 'select', 'x-label': { en: `Choice ${i}`, 'zh-CN': `选项 ${i}` } }
      : i % 7 === 0 ? { type: 'number', 'x-type': 'number', 'x-label': { en: `Amount ${i}`, 'zh-CN': `金额 ${i}` } }
        : { type: 'string', maxLength: 100, 'x-type': 'text', 'x-label': { en: `Text ${i}`, 'zh-CN': `文本 ${i}` } }
  }
  return { $id: 'wide', title: 'Wide', 'x-label': { en: 'Wide', 'zh-CN': '宽表' }, type: 'object', properties }
}

// top sums a CPU profile's self time by function and answers the n largest.
function top(p, n = 25) {
  const byId = new Map(p.nodes.map(x => [x.id, x]))
  const self = new Map()
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) || 0) + (p.timeDeltas[i] || 0))
  const sums = new Map()
  for (const [id, us] of self) {
    const f = byId.get(id).callFrame
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`
    sums.set(key, (sums.get(key) || 0) + us)
  }
  return [...sums].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `${String(Math.round(us / 1000)).padStart(6)} ms  ${k}`)
}

const browser = await launch()
try {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } })
  const res = await ctx.request.post(`${url}/api/auth/login`, { data: { email, password } })
  if (!res.ok()) throw new Error(`sign-in: ${res.status()} ${await res.text()}`)
  const page = await ctx.newPage()
  await page.goto(`${url}/`)
  await page.evaluate(() => localStorage.setItem('morph.language', 'en'))
  const call = (method, path, body) => page.evaluate(async ({ method, path, body }) => {
    const r = await fetch(path, { method, headers: { 'Content-Type': 'application/json', 'X-Morph-CSRF': '1' }, body: body ? JSON.stringify(body) : undefined })
    return { status: r.status }
  }, { method, path, body })
  if ((await call('GET', '/api/entities/wide')).status === 404) {
    const r = await call('PUT', '/api/entities/wide', wide(150))
    if (r.status >= 300) throw new Error(`create wide: ${r.status}`)
    await page.reload()
  }
  const cdp = await ctx.newCDPSession(page)
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map(m => [m.name, m.value]))
  // A first visit puts the designer's code in the cache.
  const entity = 'wide'
  const link = `[data-test=forms-list] a[data-entity=${entity}]`
  await page.goto(`${url}/builder/forms/${entity}`)
  await page.waitForSelector('[data-test=designer-ready]')
  for (let run = 0; run < 3; run++) {
    await page.goto(`${url}/builder/forms`)
    await page.waitForSelector(link)
    if (profile && run === 2) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 200 }); await cdp.send('Profiler.start') }
    const m0 = await metrics()
    // The times are taken in the page, so a busy page's late answers to the test driver do not count: from the click
    // to the paint after the canvas shows (the designer's ready mark) and after all 150 fields are on it. The CPU is
    // the page's main thread for all of it.
    await page.evaluate(sel => {
      const t = window.__measure = {}
      const painted = k => requestAnimationFrame(() => setTimeout(() => { t[k] = performance.now() - t.click }))
      new MutationObserver(() => {
        if (!t.seen && document.querySelector('[data-test=designer-ready]')) { t.seen = 1; painted('canvasShownMs') }
        if (!t.seenAll && document.querySelectorAll('._fc-m-drag .mcf, ._fc-m-drag .el-form-item').length >= 150) { t.seenAll = 1; painted('wholeCanvasMs') }
      }).observe(document.body, { childList: true, subtree: true })
      t.click = performance.now()
      document.querySelector(sel).click()
    }, link)
    await page.waitForFunction(() => window.__measure.canvasShownMs && window.__measure.wholeCanvasMs, null, { timeout: 60_000 })
    await page.waitForLoadState('networkidle')
    const m1 = await metrics()
    const at = await page.evaluate(() => window.__measure)
    console.log(JSON.stringify({
      entity, canvasShownMs: Math.round(at.canvasShownMs), wholeCanvasMs: Math.round(at.wholeCanvasMs),
      cpuMs: Math.round((m1.TaskDuration - m0.TaskDuration) * 1000),
    }))
    if (profile && run === 2) {
      const { profile: p } = await cdp.send('Profiler.stop')
      console.log(top(p).join('\n'))
    }
  }
} finally { await browser.close() }
