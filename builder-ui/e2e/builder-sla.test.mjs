// The SLA policy screens as a new analyst would use them: the sme-crm ticket policy opened from the builder's
// navigation, its "high" response target changed and saved (the API holds it); a save over someone else's change
// explained and reloaded; a new policy whose condition names a field the ticket does not have — the live check and
// the server's error at that condition — fixed and saved, then deleted after confirming. Chinese screens, axe-core
// and phone width with screenshots. And the main navigation: entities with and without an icon start their labels
// at the same place.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startMorph, launch, newPage, signIn, api, shot, axe, sideways, choose } from './helpers.mjs'

let server, browser
before(async () => { server = await startMorph({ demo: 5 }); browser = await launch() })
after(async () => { await browser?.close(); await server?.stop() })

async function setLanguage(page, lang) {
  await api(page, 'PATCH', '/api/me', { language: lang })
  await page.evaluate(l => localStorage.setItem('morph.language', l), lang)
}

// axe after the pointer has left whatever it clicked (a hovered button has its lighter hover colour).
async function check(page) {
  await page.mouse.move(0, 0)
  return axe(page)
}

async function admin(opts = {}) {
  const page = await newPage(browser, server, opts)
  await signIn(page, server, 'admin@localhost')
  await setLanguage(page, opts.lang || 'en')
  return page
}

// hours types working hours into a target's number input and leaves it (the input takes the value on change).
async function hours(page, option, kind, value) {
  const input = page.locator(`[data-test="target-${option}-${kind}"] input`)
  await input.fill(String(value))
  await input.press('Tab')
}

// expression switches a condition to "as an expression" (unless it is already) and types it.
async function expression(page, test, src) {
  if (!(await page.locator(`[data-test=${test}-text]`).count())) await page.click(`[data-test=${test}-mode]`)
  await page.fill(`[data-test=${test}-text]`, src)
}

test('the ticket policy: a target changed and saved; a save over someone else\'s change explained and reloaded', async () => {
  const page = await admin()
  const errors = []
  page.on('pageerror', e => errors.push(e.message))
  await page.goto(server.url + '/builder')
  await page.waitForSelector('.builder-nav a[data-section=builder-slas]')
  // The builder's navigation has the SLA policies right after the calendars.
  const sections = await page.locator('.builder-nav a[data-section]').evaluateAll(as => as.map(a => a.dataset.section))
  assert.equal(sections[sections.indexOf('builder-calendars') + 1], 'builder-slas', sections.join(', '))
  await page.click('.builder-nav a[data-section=builder-slas]')
  const row = page.locator('[data-test=sla-list] [data-sla=ticket_sla]')
  await row.waitFor()
  assert.match(await row.innerText(), /Service tickets: first response and resolution[\s\S]*Service ticket[\s\S]*China office/)
  assert.match(await row.locator('[data-test=sla-active]').getAttribute('class'), /is-checked/)
  assert.deepEqual(await check(page), [], 'axe on the policy list')
  await shot(page, 'builder-sla-list-desktop')

  await row.locator('a').first().click()
  await page.waitForSelector('[data-test="target-high-response"] input')
  // One row per priority option, labelled in the UI language, then "*".
  const rows = await page.locator('[data-test=sla-targets] tbody tr[data-target]').evaluateAll(trs => trs.map(tr => [tr.dataset.target, tr.querySelector('th').innerText.trim()]))
  assert.deepEqual(rows.map(r => r[0]), ['low', 'normal', 'high', 'urgent', '*'])
  assert.match(rows[2][1], /^High/)
  assert.match(rows[4][1], /All other priorities/)
  assert.equal(await page.inputValue('[data-test="target-high-response"] input'), '2')
  assert.equal(await page.inputValue('[data-test="target-urgent-resolution"] input'), '8')
  assert.equal(await page.locator('[data-test=sla-name-fixed]').innerText(), 'ticket_sla', 'the key is fixed once saved')
  assert.equal(await page.isDisabled('[data-test=save-sla]'), true, 'nothing to save before a change')
  // The conditions are checked live.
  await page.waitForSelector('[data-test=sla-resolved-check] [data-state=ok]')
  assert.match(await page.locator('[data-test=sla-fields]').innerText(), /Resolved at \(resolved_at\)/)

  await hours(page, 'high', 'response', 3)
  const before = (await api(page, 'GET', '/api/slas/ticket_sla'))
  const put = page.waitForResponse(r => r.url().endsWith('/api/slas/ticket_sla') && r.request().method() === 'PUT')
  await page.click('[data-test=save-sla]')
  assert.equal((await put).status(), 200)
  assert.equal((await put).request().headers()['if-match'], before.etag, 'saved with If-Match')
  await page.waitForFunction(() => document.querySelector('[data-test=save-sla]')?.disabled) // nothing left to save
  const after = await api(page, 'GET', '/api/slas/ticket_sla')
  assert.equal(after.status, 200)
  assert.deepEqual(after.body.targets.high, { response: 3, resolution: 16 })
  assert.deepEqual({ ...after.body, targets: { ...after.body.targets, high: before.body.targets.high } }, before.body,
    'nothing else of the policy changed')
  assert.notEqual(after.etag, before.etag)
  assert.deepEqual(await check(page), [], 'axe on the policy editor')
  await shot(page, 'builder-sla-editor-desktop')

  // Someone else changes the policy meanwhile: the save is refused, the editor says why and reloads their version.
  const theirs = { ...after.body, targets: { ...after.body.targets, low: { response: 5, resolution: 48 } } }
  const other = await api(page, 'PUT', '/api/slas/ticket_sla', theirs, { 'If-Match': after.etag })
  assert.equal(other.status, 200, JSON.stringify(other.body))
  await hours(page, 'normal', 'response', 1)
  await page.click('[data-test=save-sla]')
  await page.waitForSelector('[data-test=sla-stale]')
  assert.match(await page.locator('[data-test=sla-stale]').innerText(), /Someone else changed this policy/)
  assert.deepEqual((await api(page, 'GET', '/api/slas/ticket_sla')).body.targets.normal, { response: 2, resolution: 24 }, 'the stale save changed nothing')
  await page.click('[data-test=sla-reload]')
  await page.waitForFunction(() => document.querySelector('[data-test="target-low-response"] input')?.value === '5')
  assert.equal(await page.inputValue('[data-test="target-normal-response"] input'), '2')
  assert.equal(await page.locator('[data-test=sla-stale]').count(), 0)
  assert.deepEqual(errors, [])
  assert.deepEqual(page.outside, [])
  await page.context().close()
})

test('a new policy: a condition naming an unknown field is shown at that condition, fixed, saved, deleted', async () => {
  const page = await admin()
  await page.goto(server.url + '/builder/slas')
  await page.click('[data-test=new-sla]')
  await page.waitForSelector('[data-test=sla-name]')
  await page.fill('[data-test=sla-name]', 'vip_tickets')
  await page.fill('[data-test=sla-label-en]', 'VIP tickets')
  await page.fill('[data-test=sla-label-zh]', 'VIP 工单')
  await choose(page, '[data-test=sla-entity]', '(ticket)')
  await page.waitForSelector('[data-test="target-*-response"] input')
  await choose(page, '[data-test=sla-calendar]', 'Default')
  await hours(page, '*', 'response', 4)
  await hours(page, '*', 'resolution', 24)
  await hours(page, 'urgent', 'response', 1)
  await hours(page, 'urgent', 'resolution', 6)
  await expression(page, 'sla-responded', 'first_response_at != nil')
  await expression(page, 'sla-resolved', "status == 'resolved' || closed_on != nil")
  await page.waitForSelector('[data-test=sla-resolved-check] [data-state=bad]')
  assert.match(await page.locator('[data-test=sla-resolved-check]').innerText(), /closed_on/)
  await page.waitForSelector('[data-test=sla-responded-check] [data-state=ok]')

  // The field for "resolution met at" has another key on ticket: the editor asks for it before sending.
  await page.click('[data-test=save-sla]')
  await page.waitForSelector('[data-test=sla-problems]')
  const missing = page.locator('.el-form-item', { has: page.locator('[data-test=sla-field-resolution_met_at]') }).locator('.el-form-item__error')
  await missing.waitFor()
  assert.equal(await missing.innerText(), 'Choose a field')
  assert.match(await page.locator('[data-test=sla-problems]').innerText(), /\/fields\/resolution_met_at Choose a field/)
  assert.equal((await api(page, 'GET', '/api/slas/vip_tickets')).status, 404, 'nothing was sent')
  await choose(page, '[data-test=sla-field-resolution_met_at]', '(resolved_at)')

  // The server refuses the condition: its error is at the condition, with the place in the expression.
  const refused = page.waitForResponse(r => r.url().endsWith('/api/slas/vip_tickets') && r.request().method() === 'PUT')
  await page.click('[data-test=save-sla]')
  assert.equal((await refused).status(), 400) // the API's status of an invalid definition (code "invalid")
  const err = page.locator('[data-test=sla-resolved-error]')
  await err.waitFor()
  assert.match(await err.innerText(), /closed_on/)
  assert.match(await err.innerText(), /\d/, 'the place in the expression')
  assert.equal(await page.locator('[data-test=sla-responded-error]').count(), 0, 'only the wrong condition is marked')
  assert.equal((await api(page, 'GET', '/api/slas/vip_tickets')).status, 404, 'nothing was saved')
  assert.deepEqual(await check(page), [], 'axe with the errors shown')
  await shot(page, 'builder-sla-errors-desktop')

  await expression(page, 'sla-resolved', "status in ['resolved', 'closed']")
  await page.waitForSelector('[data-test=sla-resolved-check] [data-state=ok]')
  assert.equal(await page.locator('[data-test=sla-resolved-error]').count(), 0, 'the server\'s error goes once the condition changes')
  await page.click('[data-test=save-sla]')
  await page.waitForURL(/\/builder\/slas\/vip_tickets$/)
  const saved = await api(page, 'GET', '/api/slas/vip_tickets')
  assert.equal(saved.status, 200)
  assert.deepEqual(saved.body, {
    name: 'vip_tickets', label: { en: 'VIP tickets', 'zh-CN': 'VIP 工单' }, entity: 'ticket', active: false, priority: 'priority',
    targets: { '*': { response: 4, resolution: 24 }, urgent: { response: 1, resolution: 6 } },
    responded_when: 'first_response_at != nil', resolved_when: "status in ['resolved', 'closed']",
    fields: {
      response_due: 'response_due', resolution_due: 'resolution_due', response_met_at: 'response_met_at', resolution_met_at: 'resolved_at',
      response_remaining: 'response_remaining', resolution_remaining: 'resolution_remaining', breached: 'sla_breached',
    },
  })

  // Turned on while the ticket policy is on: the server's refusal is shown at the switch.
  await page.click('[data-test=sla-active]')
  await page.click('[data-test=save-sla]')
  const active = page.locator('.el-form-item', { has: page.locator('[data-test=sla-active]') }).locator('.el-form-item__error')
  await active.waitFor()
  assert.match(await active.innerText(), /already has the active SLA policy ticket_sla/)
  await page.click('[data-test=sla-active]')

  // Deleted after confirming.
  await page.click('[data-test=delete-sla]')
  await page.waitForSelector('.el-message-box')
  assert.match(await page.locator('.el-message-box').innerText(), /Delete the SLA policy VIP tickets\?/)
  await page.click('.el-message-box__btns .el-button--primary')
  await page.waitForURL(/\/builder\/slas$/)
  await page.waitForSelector('[data-test=sla-list] [data-sla=ticket_sla]')
  assert.equal(await page.locator('[data-sla=vip_tickets]').count(), 0)
  assert.equal((await api(page, 'GET', '/api/slas/vip_tickets')).status, 404)
  await page.context().close()
})

test('the SLA screens in Chinese and at phone width', async () => {
  const zh = await admin({ lang: 'zh-CN', locale: 'zh-CN' })
  await zh.goto(server.url + '/builder/slas/ticket_sla')
  await zh.waitForSelector('[data-test="target-high-response"] input')
  assert.equal(await zh.locator('h1.page-title').innerText(), '服务工单：首次响应与解决时限')
  const targets = await zh.locator('[data-test=sla-targets]').innerText()
  assert.match(targets, /紧急[\s\S]*其他优先级/)
  assert.match(await zh.locator('[data-target=high] th').innerText(), /^高/)
  assert.match(await zh.locator('[data-test=sla-conditions]').innerText(), /暂停条件[\s\S]*已响应条件[\s\S]*已解决条件/)
  await zh.waitForSelector('[data-test=sla-resolved-check] [data-state=ok]')
  assert.deepEqual(await check(zh), [], 'axe on the Chinese policy editor')
  await shot(zh, 'builder-sla-editor-zh')
  await zh.context().close()

  const phone = await admin({ phone: true, lang: 'zh-CN', locale: 'zh-CN' })
  for (const [path, ready, name] of [
    ['/builder/slas', '[data-test=sla-list] [data-sla=ticket_sla]', 'builder-sla-list-phone'],
    ['/builder/slas/ticket_sla', '[data-test="target-high-response"] input', 'builder-sla-editor-phone'],
  ]) {
    await phone.goto(server.url + path)
    await phone.waitForSelector(ready)
    const w = await sideways(phone)
    assert.ok(w.scrollWidth <= w.innerWidth, `${path} scrolls sideways at phone width: ${w.scrollWidth} > ${w.innerWidth}`)
    assert.deepEqual(await check(phone), [], `axe on ${path} at phone width`)
    await shot(phone, name)
  }
  assert.deepEqual(phone.outside, [], 'nothing is fetched from outside')
  await phone.context().close()
})

// Where each entry's label starts in a navigation: the same for all when the icons' place is kept.
const labelStarts = (page, sel) => page.locator(`${sel} a`).evaluateAll(as => as.map(a => {
  const label = a.querySelector(':scope > span:last-child')
  return [a.textContent.trim(), Math.round(label.getBoundingClientRect().left)]
}))

test('the navigation lines up entities with and without an icon', async () => {
  const page = await admin()
  // The account gets an icon; a new entity has none.
  const acc = await api(page, 'GET', '/api/entities/account')
  const put = await api(page, 'PUT', '/api/entities/account', { ...acc.body, 'x-icon': 'office-building' }, { 'If-Match': acc.etag })
  assert.equal(put.status, 200, JSON.stringify(put.body))
  const visit = await api(page, 'PUT', '/api/entities/visit', { $id: 'visit', type: 'object', 'x-label': { en: 'Site visit', 'zh-CN': '上门拜访' },
    properties: { subject: { type: 'string', 'x-type': 'text', maxLength: 200, 'x-label': { en: 'Subject', 'zh-CN': '主题' } } } })
  assert.equal(visit.status, 201, JSON.stringify(visit.body))

  await page.goto(server.url + '/e/account')
  await page.waitForSelector('nav.side a[data-entity=visit]')
  assert.equal(await page.locator('nav.side a[data-entity=account] .el-icon svg').count(), 1, 'the account shows its icon')
  assert.equal(await page.locator('nav.side a[data-entity=visit] .el-icon').count(), 0, 'the visit has none')
  const starts = await labelStarts(page, 'nav.side')
  assert.ok(starts.length > 3, JSON.stringify(starts))
  assert.deepEqual([...new Set(starts.map(s => s[1]))].length, 1, `labels start at different places: ${JSON.stringify(starts)}`)
  await shot(page, 'nav-icons-desktop')
  await page.context().close()

  // The phone's menu drawer too.
  const phone = await admin({ phone: true })
  await phone.goto(server.url + '/e/account')
  await phone.click('.topbar .only-phone')
  await phone.waitForSelector('.side-drawer a')
  const drawer = await labelStarts(phone, '.side-drawer')
  assert.deepEqual([...new Set(drawer.map(s => s[1]))].length, 1, `labels start at different places: ${JSON.stringify(drawer)}`)
  await shot(phone, 'nav-icons-phone')
  await phone.context().close()
})
