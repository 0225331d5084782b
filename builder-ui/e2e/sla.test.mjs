// A service agent's new urgent ticket: its record page shows the first-response deadline the SLA policy set in
// the create, with the time left; waiting on the customer it shows paused with the working hours left — in
// English and in Chinese, at desktop and phone width.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startMorph, launch, newPage, signIn, api, shot, sideways, axe } from './helpers.mjs'

let server, browser
before(async () => { server = await startMorph({ demo: 3 }); browser = await launch() })
after(async () => { await browser?.close(); await server?.stop() })

test('a new urgent ticket shows its response deadline, then paused while waiting on the customer', async () => {
  const page = await newPage(browser, server)
  const errors = []
  page.on('pageerror', e => errors.push(e.message))
  await signIn(page, server, 'zhou.service@example.com', { to: '/e/ticket' })
  await api(page, 'PATCH', '/api/me', { language: 'en' })
  const accounts = await api(page, 'GET', '/api/records/account?limit=1')
  const made = await api(page, 'POST', '/api/records/ticket', { subject: 'Line 3 stopped', account: accounts.body.items[0].id, priority: 'urgent' })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  const { id, response_due: due, resolution_due: resDue } = made.body
  assert.ok(due && resDue && Date.parse(due) > Date.now() - 60_000 && Date.parse(resDue) > Date.parse(due), 'the create answered with its deadlines')

  await page.goto(`${server.url}/e/ticket/${id}`)
  const resp = page.locator('[data-test=sla] [data-sla=response]')
  await resp.waitFor()
  assert.ok(['running', 'due-soon'].includes(await resp.getAttribute('data-state')))
  const line = await resp.innerText()
  assert.match(line, /First response/)
  assert.match(line, /On track|Due soon/)
  assert.match(line, /\d+ (h|min)\b.* left/)
  assert.match(line, new RegExp(String(new Date(due).getFullYear())), 'the deadline itself is shown')
  assert.equal(await page.locator('[data-test=sla] [data-sla=resolution]').getAttribute('data-state'), 'running')
  assert.deepEqual(await axe(page), [])
  await shot(page, 'sla-record-desktop')

  // A ticket from before the policy (the demo's) has no deadline, and no SLA card.
  const old = await api(page, 'GET', '/api/records/ticket?limit=1&sort=created_at')
  assert.equal(old.body.items[0].response_due, undefined)
  const policies = page.waitForResponse(r => r.url().endsWith('/api/slas') && r.status() === 200)
  await page.goto(`${server.url}/e/ticket/${old.body.items[0].id}`)
  await policies
  await page.locator('[data-test=history]').waitFor()
  await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))
  assert.equal(await page.locator('[data-test=sla]').count(), 0)

  // Waiting on the customer: the clock stops, the working time left is kept.
  const paused = await api(page, 'PATCH', `/api/records/ticket/${id}`, { status: 'waiting_customer' }, { 'If-Match': `"${made.body.version}"` })
  assert.equal(paused.status, 200, JSON.stringify(paused.body))
  assert.equal(paused.body.response_due, undefined)
  await api(page, 'PATCH', '/api/me', { language: 'zh-CN' })
  const phone = await newPage(browser, server, { phone: true, locale: 'zh-CN' })
  await phone.context().addCookies(await page.context().cookies())
  await phone.goto(`${server.url}/e/ticket/${id}`)
  const zh = phone.locator('[data-test=sla] [data-sla=response]')
  await zh.waitFor()
  await phone.waitForFunction(() => document.querySelector('[data-test=sla]')?.textContent.includes('首次响应'))
  assert.equal(await zh.getAttribute('data-state'), 'paused')
  assert.match(await zh.innerText(), /已暂停/)
  assert.match(await zh.innerText(), /剩余 1 个工作小时|剩余 [01](\.\d)? 个工作小时/)
  const w = await sideways(phone)
  assert.ok(w.scrollWidth <= w.innerWidth, `sideways scroll at phone width: ${JSON.stringify(w)}`)
  await shot(phone, 'sla-record-phone-zh')
  await api(page, 'PATCH', '/api/me', { language: 'en' })
  assert.deepEqual(errors, [])
  assert.deepEqual(page.outside, [])
})
