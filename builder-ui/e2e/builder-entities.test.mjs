// The entity and field designer, as a new analyst would use it: creates 会员 (member) with a phone, a level select with
// options labelled in both languages and coloured, a date and a relation to account; sees the plan; saves; the entity
// is in the navigation and its list works at once. Removing a field with values shows how many records hold them
// before the save. The server's errors show at the field they are about. Chinese screen, axe-core, phone width, and
// the time a 150-field entity takes to open (printed, not asserted).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startMorph, launch, newPage, signIn, api, shot, axe, sideways, choose as chooseIn } from './helpers.mjs'

let server, browser
before(async () => { server = await startMorph({ demo: 5 }); browser = await launch() })
after(async () => { await browser?.close(); await server?.stop() })

async function setLanguage(page, lang) {
  await api(page, 'PATCH', '/api/me', { language: lang })
  await page.evaluate(l => localStorage.setItem('morph.language', l), lang)
}

// choose picks an option of an Element Plus select by its whole visible text.
function choose(page, selector, optionText) {
  return chooseIn(page, selector, new RegExp(`^\\s*${optionText.replace(/[()]/g, '\\$&')}\\s*$`))
}

async function addField(page, { key, type, en, zh }) {
  await page.click('[data-test=add-field]')
  await page.waitForSelector('#field-key')
  if (type) await choose(page, '[data-test=field-type]', type)
  await page.fill('#field-label-en', en)
  await page.fill('#field-label-zh', zh)
  await page.fill('#field-key', key)
}

test('an analyst creates 会员 with a phone, a level, a date and an account; it is listed at once', async () => {
  const page = await newPage(browser, server)
  await signIn(page, server, 'admin@localhost')
  await setLanguage(page, 'en')
  await page.goto(server.url + '/builder')
  await page.click('.builder-nav a[data-section=builder-entities]')
  await page.waitForSelector('[data-test=entity-list] li[data-entity=account]')
  await page.waitForSelector('[data-test=entity-list] li[data-entity=account] [data-test=records]')
  await shot(page, 'builder-entities-list-desktop')

  await page.click('[data-test=new-entity]')
  await page.waitForSelector('#entity-name')
  await page.fill('#entity-name', 'member')
  await page.fill('#entity-label-en', 'Member')
  await page.fill('#entity-label-zh', '会员')
  await choose(page, '[data-test=entity-icon]', 'user-filled')
  // The first field, the name, is there already; give it its Chinese label.
  await page.fill('#field-label-zh', '姓名')

  await addField(page, { key: 'phone', type: 'Phone', en: 'Mobile', zh: '手机' })
  await choose(page, '[data-test=field-region]', 'CN')
  await page.click('[data-test=field-personal]')

  await addField(page, { key: 'level', type: 'Select', en: 'Level', zh: '会员等级' })
  for (const [i, [en, zh]] of [['Gold', '金卡'], ['Silver', '银卡'], ['Bronze', '铜卡']].entries()) {
    if (i > 0) await page.click('[data-test=add-option]')
    const row = page.locator('[data-test=option]').nth(i)
    await row.getByLabel(`English ${i + 1}`).fill(en)
    await row.getByLabel(`简体中文 ${i + 1}`).fill(zh)
  }
  // The option values follow the English labels until typed.
  assert.equal(await page.locator('[data-test=option]').nth(2).getByLabel('Value 3').inputValue(), 'bronze')
  await page.click('[data-test=field-required]')

  // A new field's key follows its English label until typed.
  await page.click('[data-test=add-field]')
  await page.fill('#field-label-en', 'Member since')
  assert.equal(await page.inputValue('#field-key'), 'member_since')
  await page.click('[data-field=member_since] [data-test=remove-field]')
  await addField(page, { key: 'joined', type: 'Date', en: 'Member since', zh: '入会日期' })
  await addField(page, { key: 'account', type: 'Relation', en: 'Account', zh: '所属客户' })
  await choose(page, '[data-test=field-ref]', 'Account (account)')

  // A formula checked live: a wrong one says so at the field, before any save.
  await addField(page, { key: 'vip', type: 'Formula', en: 'VIP', zh: '贵宾' })
  await choose(page, '[data-test=field-result]', 'Yes/No')
  await page.fill('#field-expr', 'level = "gold"')
  await page.waitForFunction(() => document.querySelector('[data-settings=vip] .el-form-item.is-error'))
  await page.fill('#field-expr', 'level == "gold"')
  await page.waitForFunction(() => /valid/.test(document.querySelector('[data-test=expr-state]')?.innerText || ''))

  // A problem the designer sees itself: a key that is not one.
  await addField(page, { key: 'card_no', type: 'Auto number', en: 'Card number', zh: '卡号' })
  await page.fill('#field-prefix', 'VIP-')
  await page.fill('#field-key', 'Card No')
  await page.click('[data-test=preview]')
  await page.waitForSelector('[data-test=editor-error]')
  await page.waitForFunction(() => /lower-case letter/.test(document.querySelector('[data-field="Card No"] .el-form-item__error')?.innerText || ''))
  await page.fill('#field-key', 'card_no')
  // A problem only the server sees: a default phone number that is not one, shown at the phone's default.
  await page.click('[data-field=phone] .frow-main')
  await page.fill('#field-default', '123')
  await page.click('[data-field=card_no] .frow-main')
  await page.click('[data-test=preview]')
  await page.waitForSelector('[data-settings=phone] .default.is-error')
  // The message shows with a transition: wait for its text.
  await page.waitForFunction(() => /phone number/.test(document.querySelector('[data-settings=phone] .default')?.innerText || ''), null, { timeout: 5000 })
    .catch(() => {})
  assert.match(await page.innerText('[data-settings=phone] .default'), /phone number/)
  assert.equal(await page.locator('[data-test=plan]:visible').count(), 0, 'no plan while the server refuses')
  await page.fill('#field-default', '')
  await shot(page, 'builder-entity-designer-desktop')

  // A composite index for the list by level, newest members first.
  await page.click('[data-test=add-index]')
  await choose(page, '[data-test=index] .ifield', 'Level (level)')
  await page.click('[data-test=index] button[aria-label="Add field to index 1"]')
  await choose(page, '[data-test=index] .ipart:nth-child(2) .ifield', 'Member since (joined)')
  await page.click('[data-test=index] .ipart:nth-child(2) .el-checkbox')

  // The plan: a new entity with seven fields, the indexes of its relation and its unique fields.
  await page.click('[data-test=preview]')
  await page.waitForSelector('[data-test=plan] [data-test=plan-added]')
  const added = await page.innerText('[data-test=plan-added]')
  for (const k of ['name', 'phone', 'level', 'joined', 'account', 'vip', 'card_no']) assert.match(added, new RegExp(`\\b${k}\\b`))
  assert.match(await page.innerText('[data-test=plan]'), /A new entity member with 7 fields/)
  await shot(page, 'builder-entity-plan-desktop')
  await page.click('[data-test=save]')
  await page.waitForFunction(() => location.pathname === '/builder/entities/member')

  // At once: in the navigation, and its list works.
  await page.waitForSelector('nav.side a[data-entity=member]')
  const def = (await api(page, 'GET', '/api/entities/member')).body
  assert.equal(def['x-label']['zh-CN'], '会员')
  assert.equal(def['x-icon'], 'user-filled')
  assert.deepEqual(def.properties.level.enum, ['gold', 'silver', 'bronze'])
  assert.deepEqual(def.properties.level['x-options'].silver, { en: 'Silver', 'zh-CN': '银卡' })
  assert.ok(/^#[0-9a-f]{6}$/i.test(def.properties.level['x-colors'].gold), 'options have colours')
  assert.equal(def.properties.phone['x-region'], 'CN')
  assert.equal(def.properties.phone['x-personal'], true)
  assert.equal(def.properties.account['x-ref'], 'account')
  assert.equal(def.properties.joined.format, 'date')
  assert.equal(def.properties.vip['x-expr'], 'level == "gold"')
  assert.deepEqual(def.properties.card_no['x-autonumber'], { prefix: 'VIP-', digits: 6 })
  assert.deepEqual(def.required, ['name', 'level'])
  assert.deepEqual(def['x-indexes'], [['level', '-joined']])
  // Its icon beside its name in the navigation.
  assert.equal(await page.locator('nav.side a[data-entity=member] .el-icon svg').count(), 1)

  // No records yet: it can be renamed (and is, there and back); the navigation follows.
  const renameTo = async (from, to) => {
    await page.click('[data-test=rename-entity]')
    await page.fill('.el-message-box input', to)
    await page.click('.el-message-box__btns .el-button--primary')
    await page.waitForFunction(to => location.pathname === `/builder/entities/${to}`, to)
    await page.waitForSelector(`nav.side a[data-entity=${to}]`)
    assert.equal(await page.locator(`nav.side a[data-entity=${from}]`).count(), 0)
    assert.equal((await api(page, 'GET', `/api/entities/${from}`)).status, 404)
    await page.waitForSelector('[data-test=rename-entity]')
  }
  await page.waitForSelector('[data-test=rename-entity]')
  await renameTo('member', 'club_member')
  assert.equal((await api(page, 'GET', '/api/entities/club_member')).body.properties.account['x-ref'], 'account')
  await renameTo('club_member', 'member')
  // While a workflow rule names it, a rename is refused: the dialog says so and names the rule and the place.
  const rule = await api(page, 'PUT', '/api/workflows/member_welcome', { entity: 'member', trigger: { type: 'created' },
    actions: [{ type: 'notify', to: 'owner', message: { en: 'Welcome', 'zh-CN': '欢迎' } }] })
  assert.equal(rule.status, 201, JSON.stringify(rule.body))
  await page.click('[data-test=rename-entity]')
  await page.fill('.el-message-box input', 'club_member')
  await page.click('.el-message-box__btns .el-button--primary')
  const refusal = page.locator('.el-message-box', { hasText: 'Workflow rule member_welcome names it at /entity' })
  await refusal.waitFor()
  assert.match(await refusal.innerText(), /Other definitions name "member"/)
  await refusal.locator('.el-message-box__btns .el-button--primary').click()
  await refusal.waitFor({ state: 'hidden' })
  assert.equal((await api(page, 'GET', '/api/entities/member')).status, 200)
  assert.equal((await api(page, 'DELETE', '/api/workflows/member_welcome')).status, 204)

  const acc = (await api(page, 'GET', '/api/records/account?limit=1')).body.items[0]
  await page.click('nav.side a[data-entity=member]')
  await page.waitForSelector('[data-test=record-table]')
  const created = await api(page, 'POST', '/api/records/member', { name: '王芳', phone: '138 0013 8000', level: 'gold', joined: '2026-01-05', account: acc.id })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  assert.equal(created.body.vip, true)
  assert.equal(created.body.card_no, 'VIP-000001')
  await page.reload()
  await page.waitForFunction(() => document.querySelector('[data-test=record-table] tbody')?.innerText.includes('王芳'))
  // On the record page the level is a tag in its option's colour.
  await page.goto(`${server.url}/e/member/${created.body.id}`)
  const tag = page.locator('[data-field=level] .option-tag[data-value=gold]')
  await tag.waitFor()
  assert.equal(await tag.evaluate(el => getComputedStyle(el).backgroundColor.replace(/\s/g, '')), hexToRgb(def.properties.level['x-colors'].gold))
  // With a record its name is fixed: no rename any more, and the server refuses one.
  await page.goto(server.url + '/builder/entities/member')
  await page.waitForFunction(() => /fixed once the entity has records/.test(document.querySelector('.head-grid')?.innerText || ''))
  assert.equal(await page.locator('[data-test=rename-entity]').count(), 0)
  const refused = await api(page, 'POST', '/api/entities/member/rename', { name: 'vip_member' })
  assert.equal(refused.status, 409)
  assert.equal(refused.body.fields[0].code, 'has_records')
})

function hexToRgb(h) {
  const n = parseInt(h.slice(1), 16)
  return `rgb(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255})`
}

test('removing a field that holds values shows how many records hold them before it is saved', async () => {
  const page = await newPage(browser, server)
  await signIn(page, server, 'admin@localhost')
  await setLanguage(page, 'en')
  // Two more members, one without a phone: two of three hold a phone.
  await api(page, 'POST', '/api/records/member', { name: '李雷', phone: '139 0013 9000', level: 'silver' })
  await api(page, 'POST', '/api/records/member', { name: '韩梅梅', level: 'bronze' })
  await page.goto(server.url + '/builder/entities/member')
  await page.waitForSelector('[data-field=phone]')
  await page.waitForFunction(() => /3 records/.test(document.querySelector('.editor')?.innerText || ''))
  // The key of a field with data is fixed; its labels stay editable.
  await page.click('[data-field=phone] .frow-main')
  assert.equal(await page.isDisabled('#field-key'), true)
  assert.equal(await page.isDisabled('#field-label-en'), false)

  await page.click('[data-field=phone] [data-test=remove-field]')
  const box = page.locator('.el-message-box')
  await box.waitFor()
  assert.match(await box.innerText(), /2 records hold a value of Mobile/)
  await box.locator('button', { hasText: 'Remove' }).click()
  await page.waitForSelector('[data-field=phone]', { state: 'detached' })

  await page.click('[data-test=preview]')
  await page.waitForSelector('[data-test=plan-removed]')
  assert.match(await page.innerText('[data-test=plan-removed]'), /phone.*2 records hold a value/)
  assert.equal(await page.isDisabled('[data-test=save]'), true, 'no save before the loss is confirmed')
  await shot(page, 'builder-entity-remove-plan-desktop')
  await page.click('[data-test=confirm-loss]')
  await page.click('[data-test=save]')
  await page.waitForSelector('[data-test=plan]', { state: 'hidden' })
  await page.waitForFunction(() => !document.querySelector('[data-field=phone]'))
  const def = (await api(page, 'GET', '/api/entities/member')).body
  assert.equal(def.properties.phone, undefined)
  assert.ok(def.properties.level)

  // Someone else saves meanwhile: the save is refused and the designer says so.
  await page.click('[data-field=level] .frow-main')
  await page.fill('#field-label-en', 'Membership level')
  const cur = await api(page, 'GET', '/api/entities/member')
  cur.body['x-label'].en = 'Club member'
  const other = await api(page, 'PUT', '/api/entities/member', cur.body, { 'If-Match': cur.etag })
  assert.equal(other.status, 200, JSON.stringify(other.body))
  await page.click('[data-test=preview]')
  await page.click('[data-test=save]')
  await page.waitForSelector('[data-test=stale]')
  await page.click('[data-test=stale] button')
  await page.waitForFunction(() => document.querySelector('#entity-label-en')?.value === 'Club member')

  // A saved entity's formula is checked live by the server's expression check.
  await page.click('[data-field=vip] .frow-main')
  const checked = page.waitForRequest(r => r.url().endsWith('/api/expressions/check') && r.method() === 'POST')
  await page.fill('#field-expr', 'level == "gold" && nosuchfield')
  await checked
  await page.waitForFunction(() => /nosuchfield/.test(document.querySelector('[data-settings=vip] .el-form-item__error')?.innerText || ''))
  await page.fill('#field-expr', 'level == "gold"')

  // Retyping a field whose values do not fit: the plan counts them and the save needs a confirmation.
  await page.click('[data-field=joined] .frow-main')
  await choose(page, '[data-test=field-type]', 'Number')
  await page.click('[data-test=preview]')
  await page.waitForSelector('[data-test=plan-changed]')
  assert.match(await page.innerText('[data-test=plan-changed]'), /joined.*Date → Number.*1 record holds a value.*1 value does not fit/)
  assert.equal(await page.isDisabled('[data-test=save]'), true)
  await page.click('[data-test=confirm-force]')
  assert.equal(await page.isDisabled('[data-test=save]'), false)
})

test('opening and previewing each example entity unchanged changes nothing', async () => {
  const page = await newPage(browser, server)
  await signIn(page, server, 'admin@localhost')
  await setLanguage(page, 'en')
  const names = (await api(page, 'GET', '/api/entities')).body.items.map(e => e.name).filter(n => n !== 'member' && n !== 'wide')
  assert.ok(names.length >= 8, names.join())
  for (const name of names) {
    await page.goto(`${server.url}/builder/entities/${name}`)
    await page.waitForSelector('[data-test=fields] > li')
    await page.click('[data-test=preview]')
    await page.waitForSelector('[data-test=plan] .plan')
    assert.match(await page.innerText('[data-test=plan] .plan'), /Nothing changes/, `${name}: ${await page.innerText('[data-test=plan] .plan')}`)
  }
})

test('the designer in Chinese, with axe-core and at phone width', async () => {
  for (const phone of [false, true]) {
    const page = await newPage(browser, server, { phone, locale: 'zh-CN' })
    await signIn(page, server, 'admin@localhost')
    await setLanguage(page, 'zh-CN')
    await page.goto(server.url + '/builder/entities/member')
    await page.waitForSelector('[data-field=level]')
    assert.match(await page.innerText('.editor'), /会员等级/)
    await page.click('[data-field=level] .frow-main')
    await page.waitForSelector('[data-test=options]')
    assert.match(await page.locator('[data-test=option]').nth(0).getByLabel('简体中文 1').inputValue(), /金卡/)
    await page.waitForTimeout(300) // the expanding row's transition
    const tag = phone ? 'phone' : 'desktop'
    await shot(page, `builder-entity-designer-zh-${tag}`)
    assert.deepEqual(await axe(page), [], `designer (${tag})`)
    const w = await sideways(page)
    if (phone) assert.ok(w.scrollWidth <= w.innerWidth, `designer scrolls sideways: ${w.scrollWidth} > ${w.innerWidth}`)
    await page.goto(server.url + '/builder/entities')
    await page.waitForSelector('[data-test=entity-list] li[data-entity=member]')
    assert.deepEqual(await axe(page), [], `entity list (${tag})`)
    const w2 = await sideways(page)
    if (phone) assert.ok(w2.scrollWidth <= w2.innerWidth, `entity list scrolls sideways: ${w2.scrollWidth} > ${w2.innerWidth}`)
    await shot(page, `builder-entities-list-zh-${tag}`)
    await page.context().close()
  }
})

test('an entity with 150 fields opens in the field designer (time printed)', async () => {
  const page = await newPage(browser, server)
  await signIn(page, server, 'admin@localhost')
  await setLanguage(page, 'en')
  const types = [
    { type: 'string', 'x-type': 'text', maxLength: 200 }, { type: 'number', 'x-type': 'number' }, { type: 'string', 'x-type': 'date', format: 'date' },
    { type: 'string', 'x-type': 'select', enum: ['a', 'b', 'c'], 'x-options': { a: { en: 'A', 'zh-CN': '甲' } } }, { type: 'boolean', 'x-type': 'boolean' },
    { type: 'string', 'x-type': 'phone' }, { type: 'object', 'x-type': 'currency', 'x-currency': 'CNY' },
  ]
  const properties = {}
  for (let i = 0; i < 150; i++) properties[`f${String(i).padStart(3, '0')}`] = { ...types[i % types.length], 'x-label': { en: `Field ${i}`, 'zh-CN': `字段 ${i}` } }
  const put = await api(page, 'PUT', '/api/entities/wide', { $id: 'wide', type: 'object', 'x-label': { en: 'Wide', 'zh-CN': '宽表' }, properties })
  assert.equal(put.status, 201, JSON.stringify(put.body))
  const t0 = Date.now()
  await page.goto(server.url + '/builder/entities/wide')
  await page.waitForFunction(() => document.querySelectorAll('[data-test=fields] > li').length === 150)
  const coldMs = Date.now() - t0
  // Opened again from the entity list (the designer's code already loaded).
  await page.goto(server.url + '/builder/entities')
  await page.waitForSelector('[data-test=entity-list] li[data-entity=wide]')
  const t1 = Date.now()
  await page.click('[data-test=entity-list] li[data-entity=wide] a')
  await page.waitForFunction(() => document.querySelectorAll('[data-test=fields] > li').length === 150)
  const warmMs = Date.now() - t1
  // Opening one field's settings.
  const t2 = Date.now()
  await page.click('[data-field=f149] .frow-main')
  await page.waitForSelector('#field-key')
  const fieldMs = Date.now() - t2
  console.log(`150-field entity in the field designer: cold page load ${coldMs} ms, from the entity list ${warmMs} ms, one field's settings ${fieldMs} ms`)
})
