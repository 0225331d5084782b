// The builder's access screens as a new analyst would use them: gives the sales rep role "masked" on the account's
// phone through the field matrix and checks it with "view as this role" (masked phones, nothing to change, a
// banner with the way back); creates a team under 华东销售部 and a user in it; finds the role change in the audit
// log with its old → new value. axe-core on the role editor and the audit log; screenshots at desktop and phone
// width, in English and Chinese.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startMorph, launch, newPage, signIn, api, shot, axe, sideways, choose } from './helpers.mjs'

let server, browser
before(async () => { server = await startMorph({ demo: 20 }); browser = await launch() })
after(async () => { await browser?.close(); await server?.stop() })

async function setLanguage(page, lang) {
  await api(page, 'PATCH', '/api/me', { language: lang })
  await page.evaluate(l => localStorage.setItem('morph.language', l), lang)
}

async function pick(page, selector, optionText) {
  await choose(page, `${selector} .el-select__wrapper`, optionText)
}

const masked = /^(?:\d{3,4} \*{3,4} \d{4}|\+\d{1,3} \*{4,}\d{4})$/ // 0571 **** 1551, 138 **** 1234, +1 ******2671

async function admin(opts = {}) {
  const page = await newPage(browser, server, opts)
  await signIn(page, server, 'admin@localhost')
  await setLanguage(page, opts.lang || 'en')
  return page
}

test('a role made to mask the account phone, checked with "view as this role"', async () => {
  const page = await admin()
  const li = (await api(page, 'GET', '/api/users?limit=100')).body.items.find(u => u.email === 'li.rep@example.com')
  // Set-up: the example masks the phone already; make it readable first so that the change below is what masks it.
  let role = await api(page, 'GET', '/api/roles/sales_rep')
  if (role.body.entities.account.fields.phone !== 'read') {
    role.body.entities.account.fields.phone = 'read'
    const r = await api(page, 'PUT', '/api/roles/sales_rep', role.body, { 'If-Match': role.etag })
    assert.equal(r.status, 200, JSON.stringify(r.body))
  }
  const asLi = { 'X-Morph-View-As': li.id }
  const liAccounts = (await api(page, 'GET', '/api/records/account?limit=100', null, asLi)).body.items
  assert.ok(liAccounts.some(a => a.phone) && liAccounts.every(a => !a.phone?.includes('*')), 'the rep reads full phones before the change')

  await page.goto(server.url + '/builder/roles')
  await page.click('[data-role=sales_rep]')
  await page.waitForSelector('[data-test=permissions] tr[data-entity=account]')
  await page.click('[data-test=fields-account]')
  const phoneRow = page.locator('[data-test=field-matrix][data-entity=account] tr[data-field=phone]')
  assert.equal(await phoneRow.locator('input[data-level=read]').isChecked(), true, 'the matrix shows what the role has')
  assert.equal(await page.locator('[data-test=save-role]').isDisabled(), true, 'nothing to save before a change')
  await phoneRow.locator('input[data-level=masked]').check()
  // The row rule is checked by the server as it is typed; its problem is shown at its cell.
  await page.fill('[data-test=where-account]', "tier == ")
  await page.waitForFunction(() => document.querySelector('tr[data-entity=account] .where-col .cell-error'))
  await page.fill('[data-test=where-account]', "tier != 'normal'")
  await page.waitForFunction(() => document.querySelector('tr[data-entity=account] .where-col .ok'))
  await page.fill('[data-test=where-account]', '')
  // A scope wider than read is refused before sending, at its cell.
  await pick(page, '[data-test=scope-account-delete]', 'All')
  await page.click('[data-test=save-role]')
  await page.waitForFunction(() => document.querySelector('tr[data-entity=account] .cell-error')?.textContent.includes('reaches further'))
  await pick(page, '[data-test=scope-account-delete]', 'None')
  await page.waitForFunction(() => !document.querySelector('[data-test=role-problems]'))
  await page.click('[data-test=save-role]')
  await page.waitForFunction(() => document.querySelector('[data-test=save-role]')?.disabled)
  role = await api(page, 'GET', '/api/roles/sales_rep')
  assert.equal(role.body.entities.account.fields.phone, 'masked')
  assert.equal(role.body.entities.account.delete, 'none')
  assert.equal(role.body.entities.account.fields.annual_revenue, 'hidden', 'the other fields are kept')
  await page.waitForFunction(() => !document.querySelector('.el-message')) // the toasts have gone
  assert.deepEqual(await axe(page), [], 'axe on the role editor')
  await shot(page, 'builder-access-role-desktop')

  // View as this role: pick 李娜, who holds it; the whole app reads as her.
  await page.click('[data-test=view-as-role]')
  await pick(page, '[data-test=view-as-user]', '李娜')
  await page.click('[data-test=view-as-start]')
  const banner = page.locator('[data-test=view-as-banner]')
  await banner.waitFor()
  const bannerText = await banner.innerText()
  assert.match(bannerText, /Viewing as 李娜 \(Sales rep\) — read only/)
  assert.equal(await page.locator('[data-test=builder]').count(), 0, 'the builder is not offered while viewing as a rep')
  // The rep's own accounts only, and on an account's page its phone masked, nothing to change.
  await page.click('nav.side a[data-entity=account]')
  await page.waitForSelector('[data-test=record-table] tbody tr')
  const table = await page.innerText('[data-test=record-table] tbody')
  assert.equal(await page.locator('[data-test=record-table] tbody tr').count(), liAccounts.length)
  for (const a of liAccounts) assert.ok(table.includes(a.name), `${a.name} is listed`)
  assert.equal(await page.locator('[data-test=new-record]').count(), 0, 'no create while viewing as')
  assert.equal(await page.locator('[data-test=record-table] tbody .el-checkbox:not(.is-disabled)').count(), 0, 'no bulk changes while viewing as')
  await shot(page, 'builder-access-view-as-desktop')
  const withPhone = liAccounts.find(a => a.phone)
  const recordURL = `${server.url}/e/account/${withPhone.id}`
  await page.goto(recordURL) // a reload of the tab keeps the preview
  await page.waitForSelector('[data-test=view-as-banner]')
  const phoneCell = page.locator('[data-field=phone] dd')
  await phoneCell.waitFor()
  assert.match((await phoneCell.innerText()).trim(), masked, 'the rep sees the phone masked')
  assert.notEqual((await phoneCell.innerText()).trim(), withPhone.phone)
  assert.equal(await page.locator('[data-test=edit-record]').count(), 0, 'no edit while viewing as')
  await shot(page, 'builder-access-view-as-record-desktop')

  // Exit: back to the role editor and to the administrator's own view, with full phones.
  await page.click('[data-test=view-as-exit]')
  await page.waitForSelector('[data-test=role-editor]')
  assert.equal(await banner.count(), 0)
  await page.goto(recordURL)
  // The number in full, as written at home: 0571 8765 4321, 138 0013 8000.
  await page.waitForFunction(p => {
    const s = document.querySelector('[data-field=phone] dd')?.innerText.trim() || ''
    return !s.includes('*') && s.replace(/\D/g, '').endsWith(p.replace(/\D/g, '').slice(-8))
  }, withPhone.phone)
  assert.match((await phoneCell.innerText()).trim(), /^\d{3,4} \d{3,4} \d{4}$/)
  assert.equal(await page.locator('[data-test=edit-record]').count(), 1, 'the administrator may edit again')
  await page.context().close()
})

test('a team under 华东销售部 and a user in it', async () => {
  const page = await admin({ lang: 'zh-CN', locale: 'zh-CN' })
  await page.goto(server.url + '/builder/teams')
  await page.click('[data-test="add-under-华东销售部"]')
  await page.fill('[data-test=team-name]', '苏州销售组')
  await page.click('[data-test=save-team]')
  await page.waitForSelector('[data-team=苏州销售组]')
  const teams = (await api(page, 'GET', '/api/teams?limit=100')).body.items
  const east = teams.find(t => t.name === '华东销售部'), suzhou = teams.find(t => t.name === '苏州销售组')
  assert.equal(suzhou?.parent, east.id)
  // The new team is shown inside its parent's node.
  assert.ok(await page.locator('[data-team=华东销售部]').locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " el-tree-node ")][1]').locator('[data-team=苏州销售组]').count() === 1)
  await shot(page, 'builder-access-teams-desktop')
  assert.deepEqual(await axe(page), [], 'axe on the teams tree')

  await page.goto(server.url + '/builder/users')
  await page.click('[data-test=new-user]')
  await page.fill('[data-test=user-name]', '周敏')
  await page.fill('[data-test=user-email]', 'not-an-email')
  await page.click('[data-test=save-user]')
  await page.waitForSelector('[data-test=user-dialog] .el-form-item.is-error')
  assert.deepEqual(await axe(page), [], 'axe on the user dialog with an error')
  await page.fill('[data-test=user-email]', 'zhou.rep@example.com')
  await pick(page, '[data-test=user-team]', '苏州销售组')
  await pick(page, '[data-test=user-roles]', '销售代表')
  await page.keyboard.press('Escape')
  await page.click('[data-test=save-user]')
  await page.waitForSelector('[data-user="zhou.rep@example.com"]')
  const zhou = (await api(page, 'GET', '/api/users?limit=100')).body.items.find(u => u.email === 'zhou.rep@example.com')
  assert.equal(zhou.team, suzhou.id)
  assert.deepEqual(zhou.roles, ['sales_rep'])
  await shot(page, 'builder-access-users-desktop')
  assert.deepEqual(await axe(page), [], 'axe on the users list')
  // "View as" from a user, and back to the users.
  await page.click('[data-test="view-as-zhou.rep@example.com"]')
  await page.waitForSelector('[data-test=view-as-banner]')
  assert.match(await page.innerText('[data-test=view-as-banner]'), /周敏（销售代表）/)
  await page.click('[data-test=view-as-exit]')
  await page.waitForSelector('[data-test=users-page]')
  assert.equal(await page.locator('[data-test=view-as-banner]').count(), 0)
  await page.context().close()

  // Phone width: the users and teams screens do not scroll sideways; axe-core finds nothing serious there either.
  const phone = await admin({ phone: true, lang: 'zh-CN', locale: 'zh-CN' })
  for (const [path, name] of [['/builder/users', 'users'], ['/builder/teams', 'teams']]) {
    await phone.goto(server.url + path)
    await phone.waitForSelector(`[data-test=${name}-page]`)
    await phone.waitForLoadState('networkidle')
    const w = await sideways(phone)
    assert.ok(w.scrollWidth <= 390, `${name} at phone width: ${JSON.stringify(w)}`)
    await shot(phone, `builder-access-${name}-phone`)
    assert.deepEqual(await axe(phone), [], `axe on ${name} at phone width`)
  }
  await phone.context().close()
})

test('the audit log shows the role change with old → new', async () => {
  const page = await admin()
  await page.goto(server.url + '/builder/audit')
  await page.waitForSelector('[data-test=audit-entry]')
  await pick(page, '[data-test=audit-target]', 'Sales rep · Role')
  await page.click('[data-test=audit-apply]')
  const entry = page.locator('[data-test=audit-entry][data-kind=role][data-entity=sales_rep]', { hasText: 'Account › Phone: Read → Masked' })
  await entry.first().waitFor()
  assert.equal(await page.locator('[data-test=audit-entry]:not([data-entity=sales_rep])').count(), 0, 'only the role is listed')
  assert.match(await entry.first().innerText(), /admin|Administrator|管理员/i)
  await page.mouse.move(0, 0) // not hovering a button
  assert.deepEqual(await axe(page), [], 'axe on the audit log')
  await shot(page, 'builder-access-audit-desktop')
  // Record changes with their field labels, and the cursor to older pages.
  await pick(page, '[data-test=audit-target]', 'Account · Record')
  await page.click('[data-test=audit-apply]')
  await page.waitForSelector('[data-test=audit-entry][data-kind=record][data-entity=account]')
  await page.context().close()

  const zh = await admin({ lang: 'zh-CN', locale: 'zh-CN' })
  await zh.goto(server.url + '/builder/audit')
  await zh.waitForSelector('[data-test=audit-entry]')
  await zh.locator('[data-test=audit-entry][data-kind=role][data-entity=sales_rep]', { hasText: '客户 › 公司电话: 只读 → 脱敏' }).first().waitFor()
  // A team's fields are named as on the teams screen, and its parent by its name.
  await zh.locator('[data-test=audit-entry][data-kind=team]', { hasText: '上级团队: — → 华东销售部' }).first().waitFor()
  await shot(zh, 'builder-access-audit-zh')
  // A roll-up's new time, written by the system when an activity is logged, is shown as a time, not as stored.
  const opp = (await api(zh, 'GET', '/api/records/opportunity?limit=1')).body.items[0]
  const at = new Date(Math.max(Date.parse(opp.last_activity_at || '') || 0, Date.parse('2026-11-30T06:30:00Z')) + 86400000)
  const logged = await api(zh, 'POST', '/api/records/activity', { type: 'call', subject: 'Roll-up check', at: at.toISOString(), opportunity: opp.id })
  assert.equal(logged.status, 201, JSON.stringify(logged.body))
  const day = `${at.getFullYear()}年${at.getMonth() + 1}月${at.getDate()}日`
  await zh.fill('[data-test=audit-record]', opp.id)
  const rolled = zh.locator('[data-test=audit-entry][data-kind=record][data-entity=opportunity]', { hasText: '最近跟进' }).filter({ hasText: day })
  for (let i = 0; i < 40 && await rolled.count() === 0; i++) { // the roll-up is applied after the activity's write
    await zh.click('[data-test=audit-apply]')
    await zh.waitForTimeout(250)
  }
  const line = await rolled.first().innerText()
  assert.doesNotMatch(line, /\d{4}-\d\d-\d\dT/, line)
  assert.match(line, /系统\s*修改了/, "the engine's own work is the system's, in the UI language")
  // Related records by their titles, not their ids.
  assert.ok(opp.account, 'the demo opportunity has an account')
  const account = (await api(zh, 'GET', `/api/records/account/${opp.account}`)).body
  await zh.locator('[data-test=audit-entry][data-kind=record][data-entity=opportunity]', { hasText: `客户: — → ${account.name}` }).first().waitFor()
  // The record itself by its title too, and where each change came from.
  await zh.locator('[data-test=audit-entry][data-kind=record][data-entity=opportunity] [data-test=audit-record-link]', { hasText: opp.name }).first().waitFor()
  await shot(zh, 'builder-access-audit-record-zh')
  // A refused sign-in: its reason in the reader's language, and the address it came from.
  await fetch(server.url + '/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'admin@localhost', password: 'not-the-password-at-all' }) })
  await zh.fill('[data-test=audit-record]', '')
  await pick(zh, '[data-test=audit-target]', '会话')
  await zh.click('[data-test=audit-apply]')
  const failed = zh.locator('[data-test=audit-entry]', { hasText: '登录失败' }).first()
  await failed.waitFor()
  assert.equal(await failed.locator('[data-test=audit-note]').innerText(), '密码错误')
  assert.match(await failed.locator('[data-test=audit-origin]').innerText(), /^来自 127\.0\.0\.1 · 登录会话$/)
  await zh.context().close()

  const phone = await admin({ phone: true, lang: 'zh-CN', locale: 'zh-CN' })
  for (const [path, sel, name] of [['/builder/audit', '[data-test=audit-entry]', 'audit'], ['/builder/roles/sales_rep', '[data-test=field-matrix]', 'role']]) {
    await phone.goto(server.url + path)
    await phone.waitForSelector(sel)
    const w = await sideways(phone)
    assert.ok(w.scrollWidth <= 390, `${name} at phone width: ${JSON.stringify(w)}`)
    await shot(phone, `builder-access-${name}-phone`)
  }
  assert.deepEqual(await axe(phone), [], 'axe on the role editor at phone width')
  await phone.context().close()
})
