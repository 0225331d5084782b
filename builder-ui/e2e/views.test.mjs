// View set-up in the list and kanban screens: an administrator sets up a shared kanban of opportunities by stage
// with three card fields chosen in the drawer, and a rep sees it with those fields; a list view with chosen
// columns, a filter and a sort is saved, offers the composite index no index serves, and opens again as saved; a
// kanban grouped by a user field has a column per user and dragging a card there changes the owner.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startMorph, launch, newPage, signIn, api, shot, sideways, axe, choose } from './helpers.mjs'

let server, browser, adminEmail
before(async () => {
  server = await startMorph({ demo: 20 })
  browser = await launch()
  adminEmail = server.byRole('admin')[0].email
})
after(async () => { await browser?.close(); await server?.stop() })

// pick opens an Element Plus select and chooses the option with the text.
async function pick(page, select, option) {
  await choose(page, `${select} .el-select__wrapper`, option)
}
const drawer = '.view-setup'

test('an administrator sets up a shared opportunity kanban by stage with three card fields; a rep sees it', async () => {
  const page = await newPage(browser, server)
  const errors = []
  page.on('pageerror', e => errors.push(e.message))
  await signIn(page, server, adminEmail, { to: '/e/opportunity' })
  await api(page, 'PATCH', '/api/me', { language: 'en' })
  await page.reload()
  await page.click('[data-test=setup-view]')
  await page.waitForSelector(`${drawer} [data-test=view-label-en]`)
  await page.fill(`${drawer} [data-test=view-label-en]`, 'Pipeline board')
  await page.fill(`${drawer} [data-test=view-label-zh]`, '销售看板')
  await page.locator(`${drawer} [data-test=view-type] label`, { hasText: 'Kanban' }).click()
  await pick(page, `${drawer} [data-test=view-group-by]`, 'Stage')
  for (const f of ['Amount', 'Expected close', 'Next step']) {
    await pick(page, `${drawer} [data-test=view-card-fields] [data-test=fo-add]`, f)
  }
  // Each column is read with stage == its value, newest first: no index serves that, and one is offered.
  await page.waitForFunction(() => /\(Stage, -Created\)/.test(document.querySelector('.view-setup [data-test=add-index]')?.textContent || ''))
  // The order is changed with the keyboard-usable arrows: Next step moves above Expected close.
  await page.click(`${drawer} [data-test=view-card-fields] li[data-key=next_step] button[aria-label^="Move Next step up"]`)
  const chosen = await page.locator(`${drawer} [data-test=view-card-fields] li`).evaluateAll(els => els.map(e => e.dataset.key))
  assert.deepEqual(chosen, ['amount', 'next_step', 'expected_close'])
  await page.locator(`${drawer} [data-test=view-sharing] label`, { hasText: 'Everyone' }).click()
  assert.deepEqual(await axe(page), [], 'axe: the view set-up')
  await shot(page, 'view-setup-kanban-desktop')
  await page.click(`${drawer} [data-test=view-save-new]`)
  await page.waitForSelector('[data-test=kanban] .column')

  const views = await api(page, 'GET', '/api/entities/opportunity/views')
  const board = views.body.items.find(v => v.label?.en === 'Pipeline board')
  assert.ok(board, 'the kanban is saved')
  assert.equal(board.type, 'kanban')
  assert.equal(board.shared, true)
  assert.equal(board.label['zh-CN'], '销售看板')
  assert.equal(board.groupBy, 'stage')
  assert.deepEqual(board.cardFields, ['amount', 'next_step', 'expected_close'])
  assert.match(page.url(), new RegExp(`view=${board.id}`))
  const heads = await page.locator('[data-test=kanban] .cards').evaluateAll(els => els.map(e => e.dataset.col))
  assert.deepEqual(heads, ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'])
  await shot(page, 'view-kanban-shared-desktop')
  await page.context().close()

  // The rep sees the shared view with its card fields, in Chinese too.
  const rep = await newPage(browser, server)
  await signIn(rep, server, 'li.rep@example.com', { to: '/e/opportunity' })
  await api(rep, 'PATCH', '/api/me', { language: 'zh-CN' })
  const accounts = await api(rep, 'GET', '/api/records/account?limit=1')
  const made = await api(rep, 'POST', '/api/records/opportunity', { name: 'Shared board deal', account: accounts.body.items[0].id, stage: 'proposal', next_step: 'Send the quote' })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  await rep.goto(`${server.url}/e/opportunity?view=${board.id}`)
  const card = rep.locator(`.kcard[data-id="${made.body.id}"]`)
  await card.waitFor()
  assert.equal(await rep.locator(`.cards[data-col=proposal] .kcard[data-id="${made.body.id}"]`).count(), 1)
  const labels = await card.locator('.kfield .muted').allInnerTexts()
  assert.deepEqual(labels.map(s => s.replace(/[:：]\s*$/, '')), ['预计金额', '下一步计划', '预计成交日期'])
  assert.match(await card.innerText(), /Send the quote/)
  await shot(rep, 'view-kanban-rep-zh-desktop')
  // The rep may not share views nor change the administrator's: the set-up offers a new private view only.
  await rep.click('[data-test=setup-view]')
  await rep.waitForSelector(`${drawer} [data-test=view-save-new]`)
  assert.equal(await rep.locator(`${drawer} [data-test=view-sharing]`).count(), 0)
  assert.equal(await rep.locator(`${drawer} [data-test=view-save]`).count(), 0)
  assert.deepEqual(errors, [])
})

test('a list view with chosen columns, a filter and a sort is saved, offers the index it lacks, and opens again', async () => {
  const page = await newPage(browser, server)
  const errors = []
  page.on('pageerror', e => errors.push(e.message))
  await signIn(page, server, adminEmail, { to: '/e/account' })
  await api(page, 'PATCH', '/api/me', { language: 'en' })
  await page.reload()
  await page.waitForSelector('[data-test=record-table] tbody tr')
  await page.click('[data-test=setup-view]')
  await page.waitForSelector(`${drawer} [data-test=view-label-en]`)
  await page.fill(`${drawer} [data-test=view-label-en]`, 'VIP by city')
  // Columns: all removed, then Company name, City, Tier added in that order.
  const cols = `${drawer} [data-test=view-columns]`
  while (await page.locator(`${cols} [data-test=fo-remove]`).count()) await page.locator(`${cols} [data-test=fo-remove]`).first().click()
  for (const f of ['Company name', 'City', 'Tier']) await pick(page, `${cols} [data-test=fo-add]`, f)
  // Filter: tier is VIP.
  await page.click(`${drawer} [data-test=add-condition]`)
  const row = page.locator(`${drawer} [data-test=filter-row]`).first()
  await choose(page, row.locator('.el-select'), /^Tier$/)
  await choose(page, row.locator('.fb-value .el-select'), /^VIP$/)
  await page.waitForFunction(() => document.querySelector('[data-test=view-filter-expr]')?.textContent === "tier == 'vip'")
  // Sort: City ascending. No index serves "tier == 'vip'" sorted by city: the set-up says so and offers one.
  while (await page.locator(`${drawer} [data-test=view-sort-row]`).count()) await page.locator(`${drawer} [data-test=view-sort-row] button`).first().click()
  await page.click(`${drawer} [data-test=view-add-sort]`)
  await pick(page, `${drawer} [data-test=view-sort-row] .sort-field`, 'City')
  const add = page.locator(`${drawer} [data-test=add-index]`)
  await page.waitForFunction(() => /\(Tier, City\)/.test(document.querySelector('[data-test=add-index]')?.textContent || ''))
  await shot(page, 'view-setup-list-desktop')
  await add.click()
  await page.waitForFunction(() => /\(k_tier_city/.test(document.querySelector('[data-test=index-advice]')?.textContent || ''))
  const def = await api(page, 'GET', '/api/entities/account')
  assert.ok(def.body['x-indexes'].some(ix => ix.join() === 'tier,city'), JSON.stringify(def.body['x-indexes']))
  await page.fill(`${drawer} [data-test=view-page-size] input`, '5')
  await page.click(`${drawer} [data-test=view-save-new]`)
  await page.locator(drawer).waitFor({ state: 'hidden' })

  const views = await api(page, 'GET', '/api/entities/account/views')
  const saved = views.body.items.find(v => v.label?.en === 'VIP by city')
  assert.ok(saved, 'the view is saved')
  assert.deepEqual(saved.columns.map(c => c.field), ['name', 'city', 'tier'])
  assert.equal(saved.filter, "tier == 'vip'")
  assert.equal(saved.sort, 'city')
  assert.equal(saved.pageSize, 5)
  assert.equal(saved.shared, false)

  // Opened again from its address: the columns, filter, sort and page size as saved.
  await page.goto(`${server.url}/e/account?view=${saved.id}`)
  await page.waitForSelector('[data-test=record-table] tbody tr')
  const heads = await page.locator('[data-test=record-table] thead th .cell').allInnerTexts()
  assert.deepEqual(heads.map(s => s.trim()).filter(Boolean), ['Company name', 'City', 'Tier'])
  const tiers = await page.locator('[data-test=record-table] tbody tr td:nth-child(4)').allInnerTexts()
  assert.ok(tiers.length > 0 && tiers.length <= 5 && tiers.every(s => s.trim() === 'VIP'), JSON.stringify(tiers))
  const cities = await page.locator('[data-test=record-table] tbody tr td:nth-child(3)').allInnerTexts()
  assert.deepEqual(cities, [...cities].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
  // The set-up opens with what was saved; a change is saved into the same view.
  await page.click('[data-test=setup-view]')
  await page.waitForSelector(`${drawer} [data-test=view-save]`)
  assert.equal(await page.locator(`${drawer} [data-test=view-filter-expr]`).innerText(), "tier == 'vip'")
  await page.locator(`${drawer} [data-test=view-columns] li[data-key=city] [data-test=fo-remove]`).click()
  await page.click(`${drawer} [data-test=view-save]`)
  await page.waitForFunction(() => document.querySelectorAll('[data-test=record-table] thead th').length === 3)
  const again = await api(page, 'GET', `/api/entities/account/views/${saved.id}`)
  assert.deepEqual(again.body.columns.map(c => c.field), ['name', 'tier'])
  assert.equal(again.body.version, saved.version + 1)
  assert.deepEqual(errors, [])
})

test('a kanban grouped by a user field has a column per user; a card dragged there changes the owner', async () => {
  const page = await newPage(browser, server)
  await signIn(page, server, adminEmail, { to: '/e/opportunity' })
  await api(page, 'PATCH', '/api/me', { language: 'en' })
  const users = (await api(page, 'GET', '/api/users?limit=100')).body.items
  const [a, b] = users.filter(u => /rep/.test(u.email || '')).slice(0, 2)
  assert.ok(a && b, 'two reps')
  const accounts = await api(page, 'GET', '/api/records/account?limit=1')
  const made = await api(page, 'POST', '/api/records/opportunity', { name: 'Owner board deal', account: accounts.body.items[0].id, stage: 'lead', owner: a.id })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  const hidden = users.filter(u => u.id !== a.id && u.id !== b.id).map(u => u.id)
  const created = await api(page, 'POST', '/api/entities/opportunity/views', { type: 'kanban', label: { en: 'By owner' }, groupBy: 'owner', cardFields: ['stage'], hiddenGroups: hidden })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  await page.goto(`${server.url}/e/opportunity?view=${created.body.id}`)
  const card = page.locator(`.kcard[data-id="${made.body.id}"]`)
  await card.waitFor()
  const heads = await page.locator('[data-test=kanban] .column header > span:first-child').allInnerTexts()
  assert.deepEqual(heads.sort(), [a.name, b.name].sort())
  assert.equal(await page.locator(`.cards[data-col="${a.id}"] .kcard[data-id="${made.body.id}"]`).count(), 1)
  await card.dragTo(page.locator(`.cards[data-col="${b.id}"]`))
  await page.waitForSelector('.el-message--success')
  const rec = await api(page, 'GET', `/api/records/opportunity/${made.body.id}`)
  assert.equal(rec.body.owner, b.id)
  // The set-up shows the group-by field and its hidden groups by the users' names.
  await page.click('[data-test=setup-view]')
  await page.waitForSelector(`${drawer} [data-test=view-hidden-groups]`)
  assert.match(await page.locator(`${drawer} label[for=view-hidden-groups]`).innerText(), /Hidden groups/)
  await shot(page, 'view-kanban-owner-desktop')
})

test('the view set-up at phone width: no sideways scroll', async () => {
  const page = await newPage(browser, server, { phone: true })
  await signIn(page, server, adminEmail, { to: '/e/opportunity' })
  await page.click('[data-test=setup-view]')
  await page.waitForSelector(`${drawer} [data-test=view-label-en]`)
  const w = await sideways(page)
  assert.ok(w.scrollWidth <= w.innerWidth, `scrollWidth ${w.scrollWidth} > ${w.innerWidth}`)
  await shot(page, 'view-setup-phone')
  await page.keyboard.press('Escape')
  await page.waitForSelector('[data-test=record-cards]')
  await shot(page, 'view-list-phone')
})
