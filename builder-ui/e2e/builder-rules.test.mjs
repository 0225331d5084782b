// Validation rules and default expressions in the entity designer, as an analyst would add them: "a contact needs a
// mobile or an e-mail" with its message in both languages, checked live while typed; the WeChat id defaulting to the
// mobile number. Saved through the API the integrator uses; the server then refuses a contact that breaks the rule,
// with the message at the field, and fills the default.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startMorph, launch, newPage, signIn, api, shot, axe, choose } from './helpers.mjs'

let server, browser
before(async () => { server = await startMorph({ demo: 3 }); browser = await launch() })
after(async () => { await browser?.close(); await server?.stop() })

async function setLanguage(page, lang) {
  await api(page, 'PATCH', '/api/me', { language: lang })
  await page.evaluate(l => localStorage.setItem('morph.language', l), lang)
}

test('an analyst adds a validation rule and a default expression to contacts', async () => {
  const page = await newPage(browser, server)
  await signIn(page, server, 'admin@localhost')
  await setLanguage(page, 'en')
  await page.goto(server.url + '/builder/entities/contact')
  await page.waitForSelector('[data-test=rules]')

  await page.click('[data-test=add-rule]')
  const rule = page.locator('[data-test=rule]').first()
  await rule.locator('[data-test=rule-en]').fill('Give a mobile or an e-mail')
  await rule.locator('[data-test=rule-zh]').fill('手机和邮箱至少填写一项')
  assert.equal(await rule.locator('[data-test=rule-name]').inputValue(), 'give_a_mobile_or_an_e_mail', 'the name follows the message')
  await rule.locator('[data-test=rule-name]').fill('mobile_or_email')
  // Checked live: an unknown field is shown at the condition before any save.
  await rule.locator('[data-test=rule-when]').fill("mobil == '' && email == ''")
  await page.waitForFunction(() => /mobil/.test(document.querySelector('[data-test=rule] .el-form-item__error')?.innerText || ''))
  await rule.locator('[data-test=rule-when]').fill("mobile == '' && email == ''")
  await page.waitForFunction(() => /valid/.test(document.querySelector('[data-test=rule-state]')?.innerText || ''))
  await choose(page, rule.locator('[data-test=rule-fields]'), 'Mobile (mobile)')
  await page.keyboard.press('Escape')

  // The WeChat id defaults to the mobile number: an expression, checked live too.
  await page.click('[data-field=wechat] .frow-main')
  await page.locator('[data-test=default-kind] label', { hasText: 'An expression' }).click()
  await page.fill('#field-default-expr', 'mobil')
  await page.waitForFunction(() => /mobil/.test(document.querySelector('[data-settings=wechat] .default-expr.is-error')?.innerText || ''))
  await page.fill('#field-default-expr', 'mobile')
  await page.waitForFunction(() => /valid/.test(document.querySelector('[data-test=default-state]')?.innerText || ''))
  const violations = await axe(page)
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 1))
  await shot(page, 'builder-rules-desktop')

  await page.click('[data-test=preview]')
  await page.waitForSelector('[data-test=plan] [data-test=save]')
  await page.click('[data-test=save]')
  await page.waitForFunction(async () => {
    const r = await fetch('/api/entities/contact')
    const d = await r.json()
    return Array.isArray(d['x-rules']) && d['x-rules'].length === 1
  })
  const def = (await api(page, 'GET', '/api/entities/contact')).body
  assert.deepEqual(def['x-rules'][0], { name: 'mobile_or_email', when: "mobile == '' && email == ''", fields: ['mobile'],
    message: { en: 'Give a mobile or an e-mail', 'zh-CN': '手机和邮箱至少填写一项' } })
  assert.equal(def.properties.wechat['x-default-expr'], 'mobile')
  assert.equal(def.properties.wechat.default, undefined)

  // The server keeps them: a contact without either is refused at the mobile, in the caller's language; the WeChat id
  // of one with a mobile is the mobile.
  const acc = (await api(page, 'GET', '/api/records/account?limit=1')).body.items[0]
  const refused = await api(page, 'POST', '/api/records/contact', { name: '赵六', account: acc.id }, { 'Accept-Language': 'zh-CN' })
  assert.equal(refused.status, 422, JSON.stringify(refused.body))
  const at = (refused.body.error || refused.body).fields.find(f => f.path === '/mobile')
  assert.ok(at, JSON.stringify(refused.body))
  assert.equal(at.message, '手机和邮箱至少填写一项')
  const made = await api(page, 'POST', '/api/records/contact', { name: '赵六', account: acc.id, mobile: '13800138000' })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  assert.match(made.body.wechat, /13800138000$/, 'the WeChat id defaults to the mobile number')

  // Opened again, in Chinese: the rule is there, labelled in Chinese.
  await setLanguage(page, 'zh-CN')
  await page.goto(server.url + '/builder/entities/contact')
  await page.waitForSelector('[data-test=rule]')
  assert.match(await page.innerText('[data-test=rules]'), /校验规则/)
  assert.equal(await page.locator('[data-test=rule] [data-test=rule-name]').inputValue(), 'mobile_or_email')
  await page.locator('[data-test=rules]').scrollIntoViewIfNeeded()
  await shot(page, 'builder-rules-zh')
})
