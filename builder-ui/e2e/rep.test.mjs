// A sales rep's day: sign in, create an account (a validation error beside the right field, fixed), filter the
// list, save the view, open the account and add a contact from its page. Also measures the first screen's size
// and the time to open a list and page through it (printed, not asserted).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startMorph, launch, newPage, signIn, api, shot, measureList, choose } from './helpers.mjs'

let server, browser
before(async () => { server = await startMorph({ demo: 20 }); browser = await launch() })
after(async () => { await browser?.close(); await server?.stop() })

const rep = 'li.rep@example.com'

async function chooseOption(page, fieldClass, optionText) {
  await choose(page, `${fieldClass} .el-select__wrapper`, optionText)
}

test('a rep creates an account, fixes a validation error, filters, saves the view and adds a contact', async t => {
  const page = await newPage(browser, server)
  const errors = []
  page.on('pageerror', e => errors.push(e.message))
  await signIn(page, server, rep, { to: '/e/account' })
  await api(page, 'PATCH', '/api/me', { language: 'en' })

  // A new account; the credit code breaks its pattern: the server's error shows beside that field.
  await page.goto(server.url + '/e/account')
  await page.click('[data-test=new-record]')
  await page.waitForSelector('.mf-name input')
  const name = `Hangzhou Test Trading ${Date.now()}`
  await page.fill('.mf-name input', name)
  await chooseOption(page, '.mf-region', 'East China')
  await page.fill('.mf-city input', 'Hangzhou')
  await page.click('.el-tabs__item:has-text("Business")')
  await page.fill('.mf-credit_code input', 'not-a-code')
  await page.click('[data-test=save-record]')
  const fieldError = page.locator('.mf-credit_code .el-form-item__error')
  await fieldError.waitFor()
  assert.match(await fieldError.innerText(), /\S/, 'the credit code field shows the server\'s message')
  assert.equal(await page.locator('.mf-name .el-form-item__error').count(), 0, 'no error beside the name')
  await shot(page, 'form-error-desktop')

  // Fixed, it saves and the record page opens.
  await page.fill('.mf-credit_code input', '91330100MA27XK3N8Q')
  await page.click('[data-test=save-record]')
  await page.waitForSelector('[data-test=record-title]')
  assert.equal(await page.innerText('[data-test=record-title]'), name)
  const accountURL = page.url()
  const accountID = accountURL.split('/').pop()

  // The list, filtered by the builder: name contains the new name's unique part.
  await page.click('nav.side a[data-entity=account]')
  await page.waitForSelector('[data-test=record-table] tbody tr')
  await page.click('[data-test=filter-toggle]')
  await page.click('[data-test=add-condition]')
  await choose(page, '[data-test=filter-row] .fb-field .el-select__wrapper', 'Company name')
  await page.fill('[data-test=filter-row] .fb-value input', name.split(' ').pop())
  await page.click('[data-test=apply-filter]')
  await page.waitForFunction(() => document.querySelectorAll('[data-test=record-table] tbody tr').length === 1)
  assert.match(await page.innerText('[data-test=total]'), /\b1\b/)
  assert.match(await page.innerText('[data-test=record-table] tbody'), new RegExp(name))
  await shot(page, 'list-filtered-desktop')

  // Saving the view (in the view set-up, the one place views are saved) keeps the filter; it is listed among the views.
  const viewsRoute = await api(page, 'GET', '/api/entities/account/views')
  if (viewsRoute.status === 404) {
    t.diagnostic('the server has no views route yet: saving a view is not tried')
  } else {
    assert.equal(await page.locator('[data-test=save-view]').count(), 0, 'no second way to save a view')
    await page.click('[data-test=setup-view]')
    await page.fill('.view-setup [data-test=view-label-en]', 'My new accounts')
    assert.match(await page.locator('.view-setup [data-test=view-filter-expr]').innerText(), /contains/, 'the set-up starts from the filtered list')
    await page.click('.view-setup [data-test=view-save-new]')
    await page.waitForFunction(() => document.querySelector('[data-test=view-select] input')?.closest('.el-select')?.innerText.includes('My new accounts')
      || document.querySelector('[data-test=view-select]')?.innerText.includes('My new accounts'))
    const views = await api(page, 'GET', '/api/entities/account/views')
    const saved = views.body.items.find(v => (v.label?.en || v.label) === 'My new accounts')
    assert.ok(saved, 'the view is saved')
    assert.match(saved.filter, /contains/)
    assert.equal(saved.shared, false)
    // Opened again, the view shows the filtered list.
    await page.goto(`${server.url}/e/account?view=${saved.id}`)
    await page.waitForFunction(() => document.querySelectorAll('[data-test=record-table] tbody tr').length === 1)
    assert.match(await page.innerText('[data-test=total]'), /\b1\b/)
  }

  // The account's page: a contact created from it has the account filled in and appears in its list.
  await page.goto(accountURL)
  await page.waitForSelector('[data-test=new-contact]')
  await page.click('[data-test=new-contact]')
  await page.waitForSelector('.mf-name input')
  await page.waitForFunction(n => document.querySelector('.mf-account')?.innerText.includes(n), name)
  await page.fill('.mf-name input', 'Zhou Min')
  await page.click('[data-test=save-record]')
  await page.waitForURL(accountURL)
  await page.waitForSelector('[data-related=contact] .rel-list')
  assert.match(await page.innerText('[data-related=contact]'), /Zhou Min/)
  const contacts = await api(page, 'GET', `/api/records/contact?filter=${encodeURIComponent(`account == '${accountID}'`)}`)
  assert.equal(contacts.body.items.length, 1)
  assert.equal(contacts.body.items[0].name, 'Zhou Min')
  // The timeline: a call made and a call planned (done off), the planned one marked as such.
  for (const [subject, done, days] of [['First call', true, -1], ['Call back', false, 2]]) {
    const r = await api(page, 'POST', '/api/records/activity', { type: 'call', subject, done, account: accountID,
      at: new Date(Date.now() + days * 86400e3).toISOString() })
    assert.equal(r.status, 201, JSON.stringify(r.body))
  }
  await page.reload()
  await page.waitForFunction(() => document.querySelectorAll('[data-test=timeline] .el-timeline-item').length === 2)
  const planned = page.locator('[data-test=timeline] .el-timeline-item', { has: page.locator('[data-test=planned]') })
  assert.equal(await planned.count(), 1, 'one planned activity')
  assert.match(await planned.innerText(), /Call back[\s\S]*Planned/)
  await shot(page, 'record-desktop')
  assert.deepEqual(errors, [])
  assert.deepEqual(page.outside, [], 'nothing is fetched from outside the server')
})

test('an unsaved form asks before leaving; a stale edit is explained and reloads', async () => {
  const page = await newPage(browser, server)
  await signIn(page, server, rep, { to: '/e/account' })
  await api(page, 'PATCH', '/api/me', { language: 'en' })
  const list = await api(page, 'GET', '/api/records/account?limit=1')
  const acc = list.body.items[0]
  await page.goto(`${server.url}/e/account/${acc.id}/edit`)
  await page.waitForSelector('.mf-short_name input')
  await page.fill('.mf-short_name input', 'Changed here')
  // Someone else changes the record meanwhile.
  const other = await api(page, 'PATCH', `/api/records/account/${acc.id}`, { city: 'Ningbo' }, { 'If-Match': `"${acc.version}"` })
  assert.equal(other.status, 200)
  await page.click('[data-test=save-record]')
  const box = page.locator('.el-message-box')
  await box.waitFor()
  assert.match(await box.innerText(), /changed this record/)
  await box.locator('.el-button--primary').click()
  await page.waitForFunction(() => document.querySelector('.mf-short_name input')?.value !== 'Changed here')
  // Leaving with a change asks first; staying keeps the form.
  await page.fill('.mf-short_name input', 'Unsaved')
  await page.click('nav.side a[data-entity=contact]')
  await box.waitFor()
  assert.match(await box.innerText(), /unsaved changes/)
  await box.locator('button', { hasText: 'Stay' }).click()
  assert.match(page.url(), /\/edit$/)
})

test('first screen size, opening a list and paging (measured)', async t => {
  const page = await newPage(browser, server)
  await signIn(page, server, 'admin@localhost', { to: '/e/activity' })
  await api(page, 'PATCH', '/api/me', { language: 'en' })
  const m = await measureList(browser, server.url, await page.context().cookies(), 'activity')
  const line = `first screen JS+CSS ${m.gzKB} KB gzipped; activity list (${m.total}): cold load ${m.coldMs} ms, ` +
    `opened from the navigation ${m.warmMs} ms (${m.warmPressMs} ms from the press to the rows' frame), ` +
    `next page ${m.nextMs} ms (${m.nextPressMs} ms)`
  t.diagnostic(line)
  assert.ok(m.gzKB <= 600, `first screen ${m.gzKB} KB gzipped, over 600 KB`)
})

test('conditions of the layout act live in the form', async () => {
  const page = await newPage(browser, server)
  await signIn(page, server, rep, { to: '/e/opportunity/new' })
  await api(page, 'PATCH', '/api/me', { language: 'en' })
  await page.reload()
  await page.waitForSelector('.mf-name input')
  // stage lead: next step shown, lost reason hidden.
  assert.ok(await page.locator('.mf-next_step').isVisible())
  assert.ok(!(await page.locator('.mf-lost_reason').isVisible()))
  await chooseOption(page, '.mf-stage', 'Lost')
  await page.waitForFunction(() => {
    const v = el => el && el.offsetParent !== null
    return v(document.querySelector('.mf-lost_reason')) && !v(document.querySelector('.mf-next_step'))
  })
  // lost_reason is required when shown (requiredWhen): the error is beside it, before any request.
  await page.fill('.mf-name input', 'Lost deal')
  await page.click('[data-test=save-record]')
  await page.locator('.mf-lost_reason .el-form-item__error').waitFor()
  assert.equal(await page.locator('.mf-next_step .el-form-item__error').count(), 0)
  // Negotiation needs an expected close date (stage in [...]).
  await chooseOption(page, '.mf-stage', 'Negotiation')
  await page.waitForFunction(() => { const el = document.querySelector('.mf-lost_reason'); return !el || el.offsetParent === null })
  await page.click('[data-test=save-record]')
  await page.locator('.mf-expected_close .el-form-item__error').waitFor()
  await shot(page, 'form-conditions-desktop')
})

test('bulk edit, quick search, bulk delete, sorting by a column; a session that ends goes back to sign-in and then to the page', async () => {
  const page = await newPage(browser, server)
  await signIn(page, server, 'admin@localhost', { to: '/e/lead' })
  await api(page, 'PATCH', '/api/me', { language: 'en' })
  await page.goto(server.url + '/e/lead')
  await page.waitForSelector('[data-test=record-table] tbody tr')
  const rows = page.locator('[data-test=record-table] tbody tr')
  await rows.nth(0).locator('input[type=checkbox]').check()
  await rows.nth(1).locator('input[type=checkbox]').check()
  await page.click('[data-test=bulk-edit]')
  const dialog = page.locator('.el-dialog:visible')
  await choose(page, dialog.locator('.el-select'), 'Company')
  await dialog.locator('.el-form-item').nth(1).locator('input').fill('Bulk Co')
  await dialog.locator('.el-button--primary').click()
  await page.waitForSelector('.el-message--success')
  const changed = await api(page, 'GET', `/api/records/lead?filter=${encodeURIComponent("company_name == 'Bulk Co'")}`)
  assert.equal(changed.body.items.length, 2)

  // Quick search finds them; bulk delete removes them.
  await page.fill('[data-test=quick-search] input, input[data-test=quick-search]', 'Bulk Co')
  await page.keyboard.press('Enter')
  await page.waitForFunction(() => document.querySelectorAll('[data-test=record-table] tbody tr').length === 2)
  await page.locator('[data-test=record-table] thead input[type=checkbox]').check()
  await page.click('[data-test=bulk-delete]')
  await page.locator('.el-message-box .el-button--primary').click()
  await page.waitForFunction(() => document.querySelectorAll('[data-test=record-table] tbody tr').length === 0)
  const left = await api(page, 'GET', `/api/records/lead?filter=${encodeURIComponent("company_name == 'Bulk Co'")}`)
  assert.equal(left.body.items.length, 0)

  // Sorting by a column: a click on its header asks the server for that order (and says so with aria-sort); a
  // second click reverses it.
  await page.goto(server.url + '/e/account')
  await page.waitForSelector('[data-test=record-table] tbody tr')
  const nameHead = page.locator('[data-test=record-table] thead th').nth(1)
  assert.equal(await nameHead.getAttribute('aria-sort'), 'none')
  const sorted = page.waitForRequest(r => r.url().includes('/api/records/account?') && new URL(r.url()).searchParams.get('sort') === 'name')
  await nameHead.locator('button').click()
  await sorted
  const byName = (await api(page, 'GET', '/api/records/account?sort=name&limit=1')).body.items[0]
  await page.waitForFunction(n => document.querySelector('[data-test=record-table] tbody tr')?.innerText.includes(n), byName.name)
  assert.equal(await nameHead.getAttribute('aria-sort'), 'ascending')
  const reversed = page.waitForRequest(r => r.url().includes('/api/records/account?') && new URL(r.url()).searchParams.get('sort') === '-name')
  await nameHead.locator('button').click()
  await reversed
  const lastName = (await api(page, 'GET', '/api/records/account?sort=-name&limit=1')).body.items[0]
  await page.waitForFunction(n => document.querySelector('[data-test=record-table] tbody tr')?.innerText.includes(n), lastName.name)
  assert.equal(await nameHead.getAttribute('aria-sort'), 'descending')

  // The session ends (signed out elsewhere): the next request sends the user to sign-in, then back here.
  const where = '/e/contact'
  await page.goto(server.url + where)
  await page.waitForSelector('[data-test=record-table] tbody tr')
  await page.context().clearCookies()
  await page.click('nav.side a[data-entity=lead]')
  await page.waitForSelector('#login-email')
  assert.equal(new URL(page.url()).searchParams.get('redirect'), '/e/lead')
  await page.fill('#login-email', 'admin@localhost')
  await page.fill('#login-password', server.users['admin@localhost'].password)
  await page.click('button[type=submit]')
  await page.waitForURL(server.url + '/e/lead')
})
