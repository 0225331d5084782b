// Measures a kanban of 500 opportunities against a running server (see docs/PERFORMANCE.md): creates them when the
// store has fewer (100 in each of five stages) and a private view "Big board" of 100 cards a column, then reports
// the time and the page's main-thread CPU (Chrome's thread time) to open it and to drag a card to another column.
//   node builder-ui/e2e/measure-board.mjs http://127.0.0.1:18941 ui@localhost PASSWORD
import { launch } from './helpers.mjs'
const [url, email, password] = process.argv.slice(2)
if (!password) { console.error('usage: node measure-board.mjs URL EMAIL PASSWORD'); process.exit(2) }
const browser = await launch()
try {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } })
  await ctx.request.post(`${url}/api/auth/login`, { data: { email, password } })
  const page = await ctx.newPage()
  await page.goto(`${url}/`)
  const call = (method, path, body) => page.evaluate(async ({ method, path, body }) => {
    const r = await fetch(path, { method, headers: { 'Content-Type': 'application/json', 'X-Morph-CSRF': '1' }, body: body ? JSON.stringify(body) : undefined })
    return { status: r.status, body: await r.json().catch(() => null) }
  }, { method, path, body })
  const have = await call('GET', '/api/records/opportunity?limit=1&count=true')
  const stages = ['lead', 'qualified', 'proposal', 'negotiation', 'won']
  if ((have.body.total || 0) < 500) {
    const acc = (await call('GET', '/api/records/account?limit=1')).body.items[0].id
    await page.evaluate(async ({ acc, stages, n }) => {
      for (let i = 0; i < n; i += 25) {
        await Promise.all(Array.from({ length: 25 }, (_, j) => fetch('/api/records/opportunity', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Morph-CSRF': '1' },
          body: JSON.stringify({ name: `Deal ${i + j}`, account: acc, stage: stages[(i + j) % 5], expected_close: '2026-12-31', next_step: 'Call' }) })))
      }
    }, { acc, stages, n: 500 - (have.body.total || 0) })
  }
  let views = (await call('GET', '/api/entities/opportunity/views')).body.items
  let v = views.find(x => x.label?.en === 'Big board')
  if (!v) v = (await call('POST', '/api/entities/opportunity/views', { type: 'kanban', label: { en: 'Big board' }, groupBy: 'stage', cardFields: ['amount', 'expected_close', 'next_step'], pageSize: 100, hiddenGroups: ['lost'] })).body
  const cdp = await ctx.newCDPSession(page)
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map(m => [m.name, m.value]))
  const cpu = (a, b) => Math.round((b.TaskDuration - a.TaskDuration) * 1000)
  for (let run = 0; run < 2; run++) {
    let m0 = await metrics(); let t0 = Date.now()
    await page.goto(`${url}/e/opportunity?view=${v.id}`)
    await page.waitForFunction(() => document.querySelectorAll('.kcard').length >= 400)
    const cards = await page.locator('.kcard').count()
    console.log('open', JSON.stringify({ cards, wall: Date.now() - t0, cpuMs: cpu(m0, await metrics()) }))
    for (let i = 0; i < 3; i++) {
      const card = page.locator('.cards[data-col="lead"] .kcard').first()
      const id = await card.getAttribute('data-id')
      m0 = await metrics(); t0 = Date.now()
      await card.dragTo(page.locator('.cards[data-col="qualified"] .kcard').first())
      await page.waitForFunction(id => document.querySelector(`.cards[data-col="qualified"] .kcard[data-id="${id}"]`), id)
      const moved = Date.now() - t0
      await page.waitForSelector('.el-message--success')
      console.log('drag', JSON.stringify({ movedOnScreen: moved, saved: Date.now() - t0, cpuMs: cpu(m0, await metrics()) }))
      await page.locator('.el-message--success').first().waitFor({ state: 'detached' }).catch(() => {})
    }
  }
} finally { await browser.close() }
