// Who sees what: a rep sees only their own records with phones masked; an auditor is offered no edit; the
// Chinese screens show the definitions' Chinese labels; axe-core finds no serious or critical violation on the
// main screens; at phone width (390×844) nothing scrolls sideways. Screenshots of each main screen.
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

test("a rep sees only their own records, with masked phones", async () => {
  const admin = await newPage(browser, server)
  await signIn(admin, server, 'admin@localhost')
  const users = (await api(admin, 'GET', '/api/users?limit=100')).body.items
  const li = users.find(u => u.name === '李娜'), zhang = users.find(u => u.name === '张伟')
  const own = f => encodeURIComponent(`owner == '${f.id}'`)
  const liAccounts = (await api(admin, 'GET', `/api/records/account?filter=${own(li)}&count=true&limit=100`)).body
  const zhangAccounts = (await api(admin, 'GET', `/api/records/account?filter=${own(zhang)}&limit=100`)).body.items
  assert.ok(liAccounts.total > 0 && zhangAccounts.length > 0)

  const page = await newPage(browser, server)
  await signIn(page, server, 'li.rep@example.com', { to: '/e/account' })
  await setLanguage(page, 'en')
  await page.goto(server.url + '/e/account')
  await page.waitForSelector('[data-test=record-table] tbody tr')
  const table = await page.innerText('[data-test=record-table] tbody')
  for (const a of liAccounts.items) assert.ok(table.includes(a.name), `own account ${a.name} is listed`)
  for (const a of zhangAccounts) assert.ok(!table.includes(a.name), `another rep's account ${a.name} is not listed`)
  assert.match(await page.innerText('[data-test=total]'), new RegExp(`\\b${liAccounts.total}\\b`))
  // Another rep's record, opened by its address, is not shown; nor is its form, which leaves no spinner behind,
  // and both lead back to the list.
  await page.goto(`${server.url}/e/account/${zhangAccounts[0].id}`)
  await page.waitForSelector('[role=alert]')
  assert.ok(!(await page.innerText('main')).includes(zhangAccounts[0].name))
  await page.click('.back-link a')
  await page.waitForURL(server.url + '/e/account')
  await page.goto(`${server.url}/e/account/${zhangAccounts[0].id}/edit`)
  await page.waitForSelector('[data-test=form-unavailable] a')
  assert.equal(await page.locator('[data-test=record-form]').count(), 0, 'no form, no spinner')
  assert.ok(!(await page.innerText('main')).includes(zhangAccounts[0].name))
  // A new account's phone is the rep's to give; it then shows masked.
  await page.goto(`${server.url}/e/account/new`)
  await page.waitForSelector('.mf-phone input')
  assert.equal(await page.locator('.mf-phone input').isDisabled(), false, 'the masked phone can be given on create')
  // Masked phone on the record page, as the server sends it.
  await page.goto(`${server.url}/e/account/${liAccounts.items[0].id}`)
  const phone = page.locator('[data-field=phone] dd')
  await phone.waitFor()
  assert.match(await phone.innerText(), /\*{3,}/)
  assert.equal(await page.locator('[data-field=annual_revenue]').count(), 0, 'a hidden field is not shown')
  // A list-valued relation: a product's page lists the rep's opportunities that include it.
  const opps = (await api(page, 'GET', '/api/records/opportunity?limit=100')).body.items.filter(o => o.products?.length)
  assert.ok(opps.length > 0)
  await page.goto(`${server.url}/e/product/${opps[0].products[0]}`)
  await page.waitForFunction(n => document.querySelector('[data-related=opportunity]')?.innerText.includes(n), opps[0].name)
})

test('an auditor is offered no create, edit or delete', async () => {
  const page = await newPage(browser, server)
  await signIn(page, server, 'sun.audit@example.com', { to: '/e/account' })
  await setLanguage(page, 'en')
  await page.goto(server.url + '/e/account')
  await page.waitForSelector('[data-test=record-table] tbody tr')
  assert.equal(await page.locator('[data-test=new-record]').count(), 0)
  assert.equal(await page.locator('[data-test=record-table] tbody .el-checkbox:not(.is-disabled)').count(), 0, 'no row can be selected for bulk changes')
  await page.click('[data-test=record-table] tbody tr a')
  await page.waitForSelector('[data-test=record-title]')
  assert.equal(await page.locator('[data-test=edit-record]').count(), 0)
  // Its form, opened by its address, says why there is none.
  const shown = page.url()
  await page.goto(shown + '/edit')
  await page.waitForSelector('[data-test=form-unavailable]')
  assert.match(await page.innerText('[data-test=form-unavailable]'), /You may not edit Account records/)
  await page.goto(shown)
  await page.waitForSelector('[data-test=record-title]')
  assert.equal(await page.locator('[data-related] button').count(), 0, 'no create-in-context')
  await page.goto(server.url + '/e/opportunity?view=default_kanban')
  await page.waitForSelector('[data-test=kanban] .kcard')
  assert.ok(await page.locator('[data-test=kanban] .cards').first().evaluate(el => el.closest('[data-test=kanban]') !== null))
  const draggable = await page.locator('.cards').first().evaluate(el => el.getAttribute('draggable'))
  assert.notEqual(draggable, 'true')
})

test('Chinese screens show the Chinese labels; the language is remembered', async () => {
  const page = await newPage(browser, server, { locale: 'zh-CN' })
  await signIn(page, server, 'zhang.rep@example.com', { to: '/e/account' })
  await setLanguage(page, 'en')
  await page.reload()
  await page.waitForSelector('nav.side a[data-entity=account]')
  assert.equal(await page.innerText('nav.side a[data-entity=account]'), 'Account')
  // Switch through the top bar.
  await choose(page, '.topbar .lang', '简体中文')
  await page.waitForFunction(() => document.querySelector('nav.side a[data-entity=account]')?.innerText === '客户')
  assert.equal(await page.innerText('nav.side a[data-entity=opportunity]'), '商机')
  await page.waitForSelector('[data-test=record-table] thead')
  assert.match(await page.innerText('[data-test=record-table] thead'), /公司名称/)
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN')
  const me = await api(page, 'GET', '/api/me')
  assert.equal(me.body.language, 'zh-CN', 'the choice is saved with the user')
  await page.reload()
  await page.waitForFunction(() => document.querySelector('nav.side a[data-entity=account]')?.innerText === '客户')
  // Dates and money in the Chinese format.
  await page.goto(server.url + '/e/opportunity')
  await page.waitForSelector('[data-test=record-table] tbody tr')
  assert.match(await page.innerText('[data-test=record-table] tbody'), /¥[\d,]+\.\d\d/)
  await shot(page, 'list-zh-desktop')
})

test('axe-core finds no serious or critical violation; phone width has no sideways scroll', async () => {
  const screens = async (page, label) => {
    const acc = (await api(page, 'GET', '/api/records/account?limit=1')).body.items[0]
    const list = [
      ['list', '/e/account', '[data-test=record-table] tbody tr, [data-test=record-cards] .rcard'],
      ['record', `/e/account/${acc.id}`, '[data-test=history]'],
      ['form', `/e/account/${acc.id}/edit`, '.mf-name input'],
      ['new-opportunity', '/e/opportunity/new', '.mf-name input'],
      ['kanban', '/e/opportunity?view=default_kanban', '[data-test=kanban] .kcard'],
    ]
    const found = {}
    for (const [name, path, sel] of list) {
      await page.goto(server.url + path)
      await page.waitForSelector(sel)
      await page.waitForTimeout(300)
      found[name] = { axe: await axe(page), width: await sideways(page) }
      await shot(page, `${name}-${label}`)
    }
    return found
  }
  for (const [phone, lang] of [[false, 'en'], [true, 'zh-CN']]) {
    const page = await newPage(browser, server, { phone })
    await page.goto(server.url + '/login')
    await page.waitForSelector('#login-email')
    assert.deepEqual(await axe(page), [], 'sign-in page')
    await shot(page, `login-${phone ? 'phone' : 'desktop'}`)
    await signIn(page, server, 'li.rep@example.com')
    await setLanguage(page, lang)
    const found = await screens(page, phone ? 'phone' : 'desktop')
    for (const [name, f] of Object.entries(found)) {
      assert.deepEqual(f.axe, [], `${name} (${phone ? 'phone' : 'desktop'}, ${lang})`)
      if (phone) assert.ok(f.width.scrollWidth <= f.width.innerWidth, `${name}: scrollWidth ${f.width.scrollWidth} > ${f.width.innerWidth}`)
    }
    if (phone) assert.equal(await page.locator('[data-test=record-table]').count(), 0, 'no table at phone width')
  }
})
