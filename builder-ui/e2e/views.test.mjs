// View set-up in the list and kanban screens: an administrator sets up a shared kanban of opportunities by stage
// with three card fields chosen in the drawer, and a rep sees it with those fields; a list view with chosen
// columns, a filter and a sort is saved, offers the composite index no index serves, and opens again as saved; a
// kanban grouped by a user field has a column per user and one for records without an owner, and dragging a card
// there changes (or clears) the owner; the list's table opens records by click and keyboard, keeps resized widths in
// the view, shows option colours as tags and an empty state; viewing as another user offers no view saving.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startMorph, launch, newPage, signIn, api, shot, sideways, axe, choose, drag } from './helpers.mjs'

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
  const heads = await page.locator('[data-test=record-table] thead th .th-label').allInnerTexts()
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

test('a kanban grouped by a user field has a column per user and one for no owner; a card dragged there changes or clears the owner', async () => {
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
  assert.deepEqual(heads, [...[a.name, b.name].sort((x, y) => x.localeCompare(y)), 'No owner'])
  assert.equal(await page.locator(`.cards[data-col="${a.id}"] .kcard[data-id="${made.body.id}"]`).count(), 1)
  await drag(page, card, page.locator(`.cards[data-col="${b.id}"]`))
  await page.waitForSelector('.el-message--success')
  let rec = await api(page, 'GET', `/api/records/opportunity/${made.body.id}`)
  assert.equal(rec.body.owner, b.id)
  // Dropped on "No owner", the card's owner is cleared; the column reads records without one.
  await page.locator('.el-message--success').first().waitFor({ state: 'detached', timeout: 15000 }).catch(() => {})
  await drag(page, card, page.locator('.cards[data-col=""]'))
  await page.waitForSelector('.el-message--success')
  rec = await api(page, 'GET', `/api/records/opportunity/${made.body.id}`)
  assert.equal(rec.body.owner ?? null, null, JSON.stringify(rec.body))
  assert.deepEqual(await axe(page), [], 'axe: the board with a message shown')
  await page.reload()
  await page.locator(`.cards[data-col=""] .kcard[data-id="${made.body.id}"]`).waitFor()
  const noOwner = await page.locator('.cards[data-col=""] .kcard').count()
  const without = await api(page, 'GET', `/api/records/opportunity?count=true&limit=1&filter=${encodeURIComponent('owner == nil')}`)
  assert.equal(await page.locator('[data-test=kanban] .column').last().locator('header .el-tag').innerText(), String(without.body.total))
  assert.ok(noOwner >= 1)
  // The "No owner" column can be hidden like any other.
  await choose(page, '[data-test=hidden-groups] .el-select__wrapper', 'No owner')
  await page.keyboard.press('Escape')
  await page.waitForFunction(() => !document.querySelector('.cards[data-col=""]') && document.querySelectorAll('[data-test=kanban] .cards').length === 2)
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

test('the list table: click and Enter open a record, resized widths are saved with the view, colours as tags, empty state', async () => {
  const page = await newPage(browser, server)
  const errors = []
  page.on('pageerror', e => errors.push(e.message))
  await signIn(page, server, adminEmail, { to: '/e/account' })
  await api(page, 'PATCH', '/api/me', { language: 'en' })
  // The tier's options get colours (x-colors); a view shows VIP accounts by name, tier and city.
  const def = await api(page, 'GET', '/api/entities/account')
  def.body.properties.tier['x-colors'] = { vip: '#c62828' }
  const put = await api(page, 'PUT', '/api/entities/account', def.body, { 'If-Match': def.etag })
  assert.equal(put.status, 200, JSON.stringify(put.body))
  const made = await api(page, 'POST', '/api/entities/account/views', { type: 'list', label: { en: 'Tier table' }, columns: [{ field: 'name' }, { field: 'tier' }, { field: 'city' }], sort: 'name' })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  await page.goto(`${server.url}/e/account?view=${made.body.id}`)
  const table = '[data-test=record-table]'
  await page.waitForSelector(`${table} tbody tr`)
  // VIP (coloured) is a tag; Key and Normal (no colour) are plain text.
  const tiers = await page.locator(`${table} tbody td:nth-child(3)`).evaluateAll(tds => tds.map(td => ({ text: td.innerText.trim(), tag: td.querySelector('.rt-tag')?.getAttribute('style') || '' })))
  assert.ok(tiers.some(x => x.text === 'VIP') && tiers.some(x => x.text !== 'VIP'), JSON.stringify(tiers))
  for (const x of tiers) assert.equal(x.text === 'VIP', /#c62828/i.test(x.tag), JSON.stringify(x))
  assert.equal(await page.locator(`${table} thead th[scope=col]`).count(), 4)
  assert.equal(await page.locator(`${table} thead input[type=checkbox]`).getAttribute('aria-label'), 'Select all rows on this page')

  // A click on a row (not on a link) opens its record; so does Enter on a focused row.
  const firstID = await page.locator(`${table} tbody tr`).first().getAttribute('data-id')
  await page.locator(`${table} tbody tr`).first().locator('td:nth-child(4)').click()
  await page.waitForURL(`${server.url}/e/account/${firstID}`)
  await page.goBack()
  await page.waitForSelector(`${table} tbody tr`)
  const secondID = await page.locator(`${table} tbody tr`).nth(1).getAttribute('data-id')
  await page.locator(`${table} tbody tr`).nth(1).focus()
  await page.keyboard.press('Enter')
  await page.waitForURL(`${server.url}/e/account/${secondID}`)
  await page.goBack()
  await page.waitForSelector(`${table} tbody tr`)

  // Resizing: the City column's edge with the keyboard (+30 px), the Name column's edge with the mouse (+80 px).
  const width = f => page.locator(`${table} thead th[data-field=${f}]`).evaluate(th => Math.round(th.getBoundingClientRect().width))
  assert.ok(!(await page.locator('[data-test=setup-view]').locator('xpath=..').locator('.el-badge__content').isVisible()), 'nothing unsaved yet')
  const city0 = await width('city')
  await page.locator(`${table} thead th[data-field=city] [role=separator]`).focus()
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight')
  await page.waitForFunction(([w]) => Math.abs(document.querySelector('[data-test=record-table] thead th[data-field=city]').getBoundingClientRect().width - w) <= 1, [city0 + 30])
  const edge = await page.locator(`${table} thead th[data-field=name] [role=separator]`).boundingBox()
  const name0 = await width('name')
  await page.mouse.move(edge.x + edge.width / 2, edge.y + edge.height / 2)
  await page.mouse.down()
  await page.mouse.move(edge.x + edge.width / 2 + 40, edge.y + edge.height / 2, { steps: 4 })
  await page.mouse.move(edge.x + edge.width / 2 + 80, edge.y + edge.height / 2, { steps: 4 })
  await page.mouse.up()
  const name1 = await width('name')
  assert.ok(Math.abs(name1 - (name0 + 80)) <= 2, `name ${name0} → ${name1}`)
  assert.equal(page.url().includes(`/e/account?`), true, 'resizing opened nothing')
  assert.ok(await page.locator('[data-test=setup-view]').locator('xpath=..').locator('.el-badge__content').isVisible(), 'the set-up says the list has unsaved changes')
  // Saved in the set-up, the widths are the view's.
  await page.click('[data-test=setup-view]')
  await page.click(`${drawer} [data-test=view-save]`)
  await page.locator(drawer).waitFor({ state: 'hidden' })
  const saved = await api(page, 'GET', `/api/entities/account/views/${made.body.id}`)
  const cols = saved.body.columns
  assert.deepEqual(cols.map(c => c.field), ['name', 'tier', 'city'])
  assert.equal(cols[1].width, undefined)
  assert.ok(Math.abs(cols[0].width - name1) <= 1 && Math.abs(cols[2].width - (city0 + 30)) <= 1, JSON.stringify({ cols, name1, city: city0 + 30 }))
  await page.reload()
  await page.waitForSelector(`${table} tbody tr`)
  assert.ok(Math.abs(await width('city') - cols[2].width) <= 1)
  assert.ok(Math.abs(await width('name') - cols[0].width) <= 1)

  // One row selected: the bulk actions show; axe finds nothing serious on the list.
  await page.locator(`${table} tbody tr`).first().locator('input[type=checkbox]').check()
  await page.waitForSelector('[data-test=bulk-delete]')
  assert.equal(await page.locator(`${table} thead input[type=checkbox]`).evaluate(el => el.indeterminate), true)
  assert.deepEqual(await axe(page), [], 'axe: the list with a selected row')
  await shot(page, 'list-table-desktop')

  // A search that finds nothing: the empty state, no rows.
  await page.fill('[data-test=quick-search] input, input[data-test=quick-search]', 'no-such-account-zzz')
  await page.keyboard.press('Enter')
  await page.waitForFunction(() => document.querySelector('[data-test=record-table-empty]')?.innerText === 'No records')
  assert.equal(await page.locator(`${table} tbody tr`).count(), 0)
  assert.equal(await page.locator('[data-test=bulk-delete]').count(), 0, 'the selection went with its page')

  // In Chinese; and at a width where the columns are wider than the screen the table scrolls in its own box.
  await api(page, 'PATCH', '/api/me', { language: 'zh-CN' })
  await page.goto(`${server.url}/e/account?view=${made.body.id}`)
  await page.waitForSelector(`${table} tbody tr`)
  assert.deepEqual((await page.locator(`${table} thead th .th-label`).allInnerTexts()).map(s => s.trim()), ['公司名称', '客户等级', '城市'])
  assert.deepEqual(await axe(page), [], 'axe: the list in Chinese')
  await shot(page, 'list-table-zh-desktop')
  await page.setViewportSize({ width: 700, height: 800 })
  await page.waitForFunction(() => { const b = document.querySelector('.rt-box'); return b && b.scrollWidth > b.clientWidth })
  const w = await sideways(page)
  assert.ok(w.scrollWidth <= w.innerWidth, `scrollWidth ${w.scrollWidth} > ${w.innerWidth}`)
  await shot(page, 'list-table-narrow-zh')
  await api(page, 'PATCH', '/api/me', { language: 'en' })
  assert.deepEqual(errors, [])
})

test('an administrator viewing as a rep is offered no view saving', async () => {
  const page = await newPage(browser, server)
  await signIn(page, server, adminEmail, { to: '/e/account' })
  await page.waitForSelector('[data-test=setup-view]')
  const users = (await api(page, 'GET', '/api/users?limit=100')).body.items
  const rep = users.find(u => u.email === 'li.rep@example.com')
  const board = await api(page, 'POST', '/api/entities/opportunity/views', { type: 'kanban', label: { en: 'Shared stages' }, shared: true, groupBy: 'stage', cardFields: ['amount'] })
  assert.equal(board.status, 201, JSON.stringify(board.body))
  await page.evaluate(r => sessionStorage.setItem('morph.viewAs', JSON.stringify({ id: r.id, name: r.name, role: 'sales_rep', back: '/builder' })), rep)
  await page.reload()
  await page.waitForSelector('[data-test=record-table] tbody tr')
  await page.waitForSelector('[data-test=view-select]')
  assert.equal(await page.locator('[data-test=setup-view]').count(), 0, 'no view set-up while viewing as')
  assert.equal(await page.locator('.view-setup').count(), 0)
  await page.goto(`${server.url}/e/opportunity?view=${board.body.id}`)
  await page.waitForSelector('[data-test=kanban] .kcard')
  assert.equal(await page.locator('[data-test=setup-view]').count(), 0)
  await page.evaluate(() => sessionStorage.removeItem('morph.viewAs'))
})
