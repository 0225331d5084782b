// The workflow screens as a new analyst would use them: a rule "notify the owner when an opportunity is won" made
// in the editor with its condition built in the condition builder, saved, tried on records (dry run); the record
// made won through the API; the run found in the run log and the notification in the owner's bell (read on click:
// the badge drops). A rule with wrong expressions shows the server's errors at their fields. A calendar with a
// lunch break and a holiday saved (a make-up day the server refuses shown at its row first). Chinese screens, axe-core
// and phone width with screenshots.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { createHmac } from 'node:crypto'
import { startMorph, launch, newPage, signIn, api, shot, axe, sideways, choose } from './helpers.mjs'

let server, browser
before(async () => { server = await startMorph({ demo: 20 }); browser = await launch() })
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

// until calls f until it answers something truthy (the queue runs rules in the background), at most ~30 s.
// pickRecord finds a record in the dry run's remote picker by typing its name, then chooses it.
async function pickRecord(page, name) {
  await page.click('[data-test=test-record] .el-select__wrapper')
  await page.fill('[data-test=test-record] input', name)
  await choose(page, '[data-test=test-record]', name)
}

async function until(f, what) {
  for (let i = 0; i < 150; i++) {
    const v = await f()
    if (v) return v
    await new Promise(r => setTimeout(r, 200))
  }
  throw new Error(`timed out waiting for ${what}`)
}

const badge = page => page.locator('[data-test=bell-badge] sup').evaluate(e => (getComputedStyle(e).display === 'none' ? 0 : Number(e.textContent)))
  .catch(() => 0)

test('a rule that notifies the owner when an opportunity is won: built, dry-run, run, and seen in the bell', async () => {
  const page = await admin()
  // A demo rep's open opportunity (the rep's password is in the log), and a won one for the dry run.
  const users = (await api(page, 'GET', '/api/users?limit=100')).body.items
  const reps = new Map(users.filter(u => server.users[u.email]).map(u => [u.id, u]))
  const opps = (await api(page, 'GET', '/api/records/opportunity?limit=200')).body.items
  const target = opps.find(o => !['won', 'lost'].includes(o.stage) && reps.has(o.owner))
  const other = opps.find(o => !['won', 'lost', 'negotiation'].includes(o.stage) && o.id !== target?.id)
  const won = opps.find(o => o.stage === 'won' && reps.has(o.owner))
  assert.ok(target && won && other, 'the demo data has two open and a won opportunity of a demo rep')
  const owner = reps.get(target.owner)

  await page.goto(server.url + '/builder/workflows')
  await page.waitForSelector('[data-test=rule-list] tr[data-rule=deal_won]')
  assert.deepEqual(await check(page), [], 'axe on the rule list')
  await page.click('[data-test=new-rule]')
  await page.waitForSelector('[data-test=rule-name]')
  await page.fill('[data-test=rule-name]', 'notify_owner_won')
  await page.fill('[data-test=rule-label-en]', 'Notify the owner when an opportunity is won')
  await page.fill('[data-test=rule-label-zh]', '赢单时通知负责人')
  await choose(page, '[data-test=rule-entity]', '(opportunity)')
  // Trigger: updated, only when the stage changes.
  await page.click('[data-test=trigger-type] [data-value=updated]')
  // (a multiple select: a click that choose() repeats would take the field off again, so check what it holds)
  for (let i = 0; i < 3 && !(await page.locator('[data-test=trigger-fields]').innerText()).includes('(stage)'); i++) {
    await choose(page, '[data-test=trigger-fields]', '(stage)')
  }
  await page.keyboard.press('Escape')
  // Condition, in the condition builder: Stage is Won.
  const when = page.locator('[data-test=when]')
  await when.locator('[data-test=add-condition]').click()
  const row = when.locator('[data-test=filter-row]').first()
  await choose(page, row.locator('.fb-field'), /^Stage$/)
  await choose(page, row.locator('.fb-value'), /^Won$/)
  await page.waitForFunction(() => document.querySelector('[data-test=when-source]')?.textContent === "stage == 'won'")
  await page.waitForSelector('[data-test=when-check] [data-state=ok]')
  // The action: notify [owner] in both languages.
  await page.fill('[data-test=action-to-0]', '[owner]')
  await page.waitForSelector('[data-test=action-to-0-check] [data-state=ok]')
  await page.fill('[data-test=action-msg-en-0]', 'Congratulations: {{name}} is won')
  await page.fill('[data-test=action-msg-zh-0]', '恭喜：{{name}} 已赢单')
  await page.click('[data-test=save-rule]')
  await page.waitForURL(/\/builder\/workflows\/notify_owner_won$/)
  await page.waitForFunction(() => document.querySelector('[data-test=save-rule]')?.disabled)
  const saved = await api(page, 'GET', '/api/workflows/notify_owner_won')
  assert.equal(saved.status, 200)
  assert.deepEqual(saved.body.trigger, { type: 'updated', fields: ['stage'] })
  assert.equal(saved.body.when, "stage == 'won'")
  assert.deepEqual(saved.body.actions, [{ type: 'notify', to: '[owner]', message: { en: 'Congratulations: {{name}} is won', 'zh-CN': '恭喜：{{name}} 已赢单' } }])
  assert.deepEqual(saved.body.label, { en: 'Notify the owner when an opportunity is won', 'zh-CN': '赢单时通知负责人' })
  await page.waitForFunction(() => !document.querySelector('.el-message'))
  assert.deepEqual(await check(page), [], 'axe on the rule editor')
  await shot(page, 'workflow-rule-desktop')

  // Dry run: on the open opportunity the condition does not hold; on a won one it says whom it would tell what.
  await page.click('#tab-test')
  await pickRecord(page, target.name)
  await page.click('[data-test=run-test]')
  await page.waitForSelector('[data-test=test-result] [data-condition=false]')
  await pickRecord(page, won.name)
  await page.click('[data-test=run-test]')
  await page.waitForSelector('[data-test=test-result] [data-condition=true]')
  const notify = page.locator('[data-test=test-result] li[data-type=notify]')
  assert.equal(await notify.getAttribute('data-status'), 'would')
  assert.equal(await notify.locator('[data-test=result-users]').innerText(), reps.get(won.owner).name)
  assert.equal(await notify.locator('[data-test=result-message]').innerText(), `Congratulations: ${won.name} is won`)
  assert.deepEqual(await check(page), [], 'axe on the dry run')
  await shot(page, 'workflow-dry-run-desktop')

  // The owner's unread notifications before.
  const ownerPage = await newPage(browser, server)
  await signIn(ownerPage, server, owner.email)
  await setLanguage(ownerPage, 'en')
  const unreadBefore = (await api(ownerPage, 'GET', '/api/notifications?unread=true')).body.unread

  // The record is won, through the API; the rule runs from the queue.
  const upd = await api(page, 'PATCH', `/api/records/opportunity/${target.id}`, { stage: 'won' }, { 'If-Match': `"${target.version}"` })
  assert.equal(upd.status, 200, JSON.stringify(upd.body))
  await until(async () => (await api(page, 'GET', '/api/workflows/notify_owner_won/runs')).body.items.some(r => r.record === target.id && r.status === 'done'), 'the run')
  // The example's own deal_won rule tells the owner too: wait for it as well, then count on the server.
  await until(async () => (await api(page, 'GET', '/api/workflows/deal_won/runs')).body.items.some(r => r.record === target.id && r.status === 'done'), 'deal_won')
  const unread = (await api(ownerPage, 'GET', '/api/notifications?unread=true')).body.unread
  assert.equal(unread, unreadBefore + 2)

  await page.click('#tab-runs')
  await page.click('[data-test=runs-refresh]')
  const run = page.locator(`[data-test=run][data-record="${target.id}"]`)
  await run.waitFor()
  assert.equal(await run.getAttribute('data-status'), 'done')
  assert.equal(await run.locator('li[data-type=notify]').getAttribute('data-status'), 'ok')
  assert.match(await run.innerText(), new RegExp(owner.name))
  assert.deepEqual(await check(page), [], 'axe on the run log')
  await shot(page, 'workflow-run-log-desktop')

  // Another opportunity's stage changes, not to won: the trigger matched, the condition did not hold. The log says so.
  const moved = await api(page, 'PATCH', `/api/records/opportunity/${other.id}`, { stage: 'negotiation' }, { 'If-Match': `"${other.version}"` })
  assert.equal(moved.status, 200, JSON.stringify(moved.body))
  await until(async () => (await api(page, 'GET', '/api/workflows/notify_owner_won/runs?status=condition_false')).body.items.some(r => r.record === other.id), 'the condition-false run')
  await choose(page, '[data-test=runs-status]', 'Condition false')
  const unmet = page.locator(`[data-test=run][data-record="${other.id}"]`)
  await unmet.waitFor()
  assert.equal(await unmet.getAttribute('data-status'), 'condition_false')
  assert.match(await unmet.innerText(), /Condition false/)
  assert.equal(await page.locator(`[data-test=run][data-record="${target.id}"]`).count(), 0, 'the filter leaves out the done run')

  // The owner's bell: the count went up; the notification is in the popover; clicking it reads it and opens the record.
  await ownerPage.reload()
  await ownerPage.waitForSelector('[data-test=bell]')
  await ownerPage.waitForFunction(n => Number(document.querySelector('[data-test=bell-badge] sup')?.textContent || 0) === n, unread)
  const count = await badge(ownerPage)
  assert.equal(count, unread)
  assert.match(await ownerPage.getAttribute('[data-test=bell]', 'aria-label'), new RegExp(`${count} unread`))
  // By keyboard: the bell opens with Enter, a notification is a link.
  await ownerPage.focus('[data-test=bell]')
  await ownerPage.keyboard.press('Enter')
  const note = ownerPage.locator('[data-test=notification]', { hasText: `Congratulations: ${target.name} is won` })
  await note.waitFor()
  await ownerPage.waitForFunction(() => getComputedStyle(document.querySelector('.bell-popper')).opacity === '1')
  assert.equal(await note.getAttribute('data-read'), 'false')
  assert.deepEqual(await check(ownerPage), [], 'axe with the bell open')
  await shot(ownerPage, 'workflow-bell-desktop')
  await note.locator('a').focus()
  await ownerPage.keyboard.press('Enter')
  await ownerPage.waitForURL(new RegExp(`/e/opportunity/${target.id}$`))
  await ownerPage.waitForFunction(n => Number(document.querySelector('[data-test=bell-badge] sup')?.textContent || 0) === n, count - 1)
  const left = (await api(ownerPage, 'GET', '/api/notifications?unread=true')).body
  assert.equal(left.unread, count - 1)
  assert.ok(!left.items.some(n => n.record === target.id && n.message.en.startsWith('Congratulations')), 'read on the server')
  await ownerPage.context().close()
  await page.context().close()
})

test("a rule with wrong expressions shows the server's errors at their fields", async () => {
  const page = await admin()
  await page.goto(server.url + '/builder/workflows/new')
  await page.waitForSelector('[data-test=rule-name]')
  await page.fill('[data-test=rule-name]', 'bad_rule')
  await choose(page, '[data-test=rule-entity]', '(opportunity)')
  // The condition typed as an expression naming a field the entity does not have: the live check says so.
  await page.click('[data-test=when-mode]')
  await page.fill('[data-test=when-text]', 'amount_total > 5')
  await page.waitForSelector('[data-test=when-check] [data-state=bad]')
  // A set action whose value has the wrong type for its field.
  await choose(page, '[data-test=action-type-0]', 'Set fields')
  await choose(page, '[data-test=value-0-0] .row-field', '(probability)')
  await page.fill('[data-test=value-expr-0-0]', "'high'")
  await page.click('[data-test=save-rule]')
  await page.waitForSelector('[data-test=rule-problems]')
  const whenErr = await page.locator('[data-test=when-error]').innerText()
  assert.match(whenErr, /amount_total/, whenErr)
  const valueErr = await page.locator('[data-test=value-expr-0-0-error]').innerText()
  assert.ok(valueErr.length > 0, 'the value shows its error')
  assert.equal((await api(page, 'GET', '/api/workflows/bad_rule')).status, 404, 'nothing was saved')
  assert.equal(new URL(page.url()).pathname, '/builder/workflows/new')
  // Mending the condition clears its error and the rule saves.
  await page.fill('[data-test=when-text]', 'probability > 5')
  await page.waitForSelector('[data-test=when-check] [data-state=ok]')
  await page.fill('[data-test=value-expr-0-0]', '90')
  await page.click('[data-test=save-rule]')
  await page.waitForURL(/\/builder\/workflows\/bad_rule$/)
  assert.equal((await api(page, 'GET', '/api/workflows/bad_rule')).body.when, 'probability > 5')
  await page.context().close()
})

test('timed rules: relative to a date field, and on a schedule in a time zone', async () => {
  const page = await admin()
  await page.goto(server.url + '/builder/workflows/new')
  await page.waitForSelector('[data-test=rule-name]')
  await page.fill('[data-test=rule-name]', 'remind_payment')
  await choose(page, '[data-test=rule-entity]', '(contract)')
  await page.locator('[data-test=trigger-type] label', { hasText: 'Relative to a date' }).click()
  await choose(page, '[data-test=trigger-date-field]', '(payment_due)')
  await page.fill('[data-test=trigger-offset]', '-3d')
  await choose(page, '[data-test=action-type-0]', 'Notify users')
  await page.fill('[data-test=action-to-0]', '[owner]')
  await page.fill('[data-test=action-msg-en-0]', 'Payment of {{title}} is due in 3 days')
  await page.click('[data-test=save-rule]')
  await page.waitForURL(/\/builder\/workflows\/remind_payment$/)
  const saved = (await api(page, 'GET', '/api/workflows/remind_payment')).body
  assert.deepEqual(saved.trigger, { type: 'date', field: 'payment_due', offset: '-3d' })

  await page.goto(server.url + '/builder/workflows/new')
  await page.waitForSelector('[data-test=rule-name]')
  await page.fill('[data-test=rule-name]', 'weekly_nudge')
  await choose(page, '[data-test=rule-entity]', '(opportunity)')
  await page.locator('[data-test=trigger-type] label', { hasText: 'On a schedule' }).click()
  // A cron expression the server cannot read is shown at the trigger.
  await page.fill('[data-test=trigger-cron]', '0 9 * * 8')
  await choose(page, '[data-test=action-type-0]', 'Notify users')
  await page.fill('[data-test=action-to-0]', '[owner]')
  await page.fill('[data-test=action-msg-en-0]', 'Time to review {{name}}')
  await page.click('[data-test=save-rule]')
  await until(async () => (await page.locator('[data-test=trigger]').innerText()).match(/cron/i), 'the cron error at the trigger')
  assert.equal((await api(page, 'GET', '/api/workflows/weekly_nudge')).status, 404, 'nothing was saved')
  await page.fill('[data-test=trigger-cron]', '0 9 * * 1')
  await page.click('[data-test=save-rule]')
  await page.waitForURL(/\/builder\/workflows\/weekly_nudge$/)
  const weekly = (await api(page, 'GET', '/api/workflows/weekly_nudge')).body
  assert.equal(weekly.trigger.type, 'schedule')
  assert.equal(weekly.trigger.cron, '0 9 * * 1')
  await page.context().close()
})

test('a webhook: its secret never shown back and kept on save, its calls signed; a failed call sent again; a rule switched off in the list', async () => {
  // A receiver on loopback that refuses the first call and takes the others.
  const hits = []
  let failing = true
  const recv = createServer((req, res) => {
    let body = ''
    req.on('data', c => { body += c })
    req.on('end', () => { hits.push({ sig: req.headers['x-morph-signature'], body }); res.statusCode = failing ? 500 : 204; res.end() })
  })
  await new Promise(r => recv.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${recv.address().port}/hook`
  const secret = 'whsec-7f3a9c'
  try {
    const page = await admin()
    await page.goto(server.url + '/builder/workflows/new')
    await page.waitForSelector('[data-test=rule-name]')
    await page.fill('[data-test=rule-name]', 'push_next_step')
    await choose(page, '[data-test=rule-entity]', '(opportunity)')
    await page.click('[data-test=trigger-type] [data-value=updated]')
    await choose(page, '[data-test=action-type-0]', 'Call a webhook')
    await page.fill('[data-test=action-url-0]', url)
    await page.fill('[data-test=action-secret-0]', secret)
    await page.click('[data-test=save-rule]')
    await page.waitForURL(/\/builder\/workflows\/push_next_step$/)
    let doc = (await api(page, 'GET', '/api/workflows/push_next_step')).body
    assert.equal(doc.actions[0].secret, '********', 'the server answers the secret redacted')
    await page.reload()
    await page.waitForSelector('[data-test=action-secret-0]')
    assert.equal(await page.inputValue('[data-test=action-secret-0]'), '', 'the secret is never shown back')
    assert.ok(!(await page.content()).includes(secret))
    // Saved again without touching the secret (a label changed): the stored secret stays.
    await page.fill('[data-test=rule-label-en]', 'Push the next step to the ERP')
    await page.click('[data-test=save-rule]')
    await page.waitForFunction(() => document.querySelector('[data-test=save-rule]')?.disabled)

    const opp = (await api(page, 'GET', '/api/records/opportunity?limit=1')).body.items[0]
    const upd = await api(page, 'PATCH', `/api/records/opportunity/${opp.id}`, { next_step: 'Send the contract' }, { 'If-Match': `"${opp.version}"` })
    assert.equal(upd.status, 200, JSON.stringify(upd.body))
    await until(() => hits.length > 0, 'the webhook call')
    const expected = 'sha256=' + createHmac('sha256', secret).update(hits[0].body).digest('hex')
    assert.equal(hits[0].sig, expected, 'signed with the secret kept through the second save')
    assert.equal(JSON.parse(hits[0].body).record.next_step, 'Send the contract')

    // The refused call is in the deliveries with the receiver's answer; sent again once the receiver works.
    await page.click('#tab-deliveries')
    const row = page.locator('[data-test=delivery]').first()
    await until(async () => {
      await page.click('[data-test=deliveries-refresh]')
      await page.waitForFunction(() => !document.querySelector('[data-test=deliveries-refresh].is-loading'))
      return (await row.count()) && /500/.test(await row.innerText())
    }, 'the failed delivery')
    assert.match(await row.innerText(), new RegExp(url.replace(/[/.]/g, '\\$&')))
    failing = false
    await row.locator('[data-test=redeliver]').click()
    await page.waitForSelector('.el-message--success')
    await until(async () => (await api(page, 'GET', '/api/workflows/push_next_step/deliveries')).body.items[0]?.status === 'done', 'the delivery done')
    await page.click('[data-test=deliveries-refresh]')
    await page.waitForSelector('[data-test=delivery][data-status=done]')
    await page.waitForFunction(() => !document.querySelector('.el-message')) // the toasts have gone
    assert.deepEqual(await check(page), [], 'axe on the deliveries')
    await shot(page, 'workflow-deliveries-desktop')

    // Switched off in the list.
    await page.goto(server.url + '/builder/workflows')
    const sw = page.locator('tr[data-rule=push_next_step] [data-test=rule-active]')
    await sw.click()
    await until(async () => (await api(page, 'GET', '/api/workflows/push_next_step')).body.active === false, 'the rule off')
    doc = (await api(page, 'GET', '/api/workflows/push_next_step')).body
    assert.equal(doc.label.en, 'Push the next step to the ERP', 'the rest of the rule is unchanged')
    await page.context().close()
  } finally {
    recv.close()
  }
})

test('a calendar with a lunch break and a holiday', async () => {
  const page = await admin()
  await page.goto(server.url + '/builder/calendars')
  await page.waitForSelector('[data-test=calendar-list] [data-calendar=cn_office]')
  await page.click('[data-test=new-calendar]')
  await page.waitForSelector('[data-test=calendar-name]')
  await page.fill('[data-test=calendar-name]', 'hq')
  await page.fill('[data-test=calendar-label-en]', 'Head office')
  await page.fill('[data-test=calendar-label-zh]', '总部')
  // Monday made from nothing: 09:00–12:00 and, after lunch, 13:00–17:30.
  const mon = page.locator('.day[data-day=mon]')
  while (await mon.locator('.interval').count()) await mon.locator('.interval button').first().click()
  await page.click('[data-test=add-interval-mon]')
  await page.fill('[data-test=interval-mon-0] input >> nth=0', '09:00')
  await page.fill('[data-test=interval-mon-0] input >> nth=1', '12:00')
  await page.click('[data-test=add-interval-mon]')
  await page.fill('[data-test=interval-mon-1] input >> nth=0', '13:00')
  // An interval that ends before it starts is refused before sending, at the interval.
  await page.fill('[data-test=interval-mon-1] input >> nth=1', '12:30')
  await page.click('[data-test=save-calendar]')
  await page.waitForFunction(() => document.querySelector('[data-test=interval-mon-1] .err')?.textContent.includes('ends after'))
  await page.fill('[data-test=interval-mon-1] input >> nth=1', '17:30')
  // A holiday, and a make-up day on a Monday (which has hours already: the server refuses it, at its row).
  await page.fill('[data-test=holiday-input]', '2026-10-01')
  await page.click('[data-test=add-holiday]')
  await page.fill('[data-test=workday-input]', '2026-10-12')
  await page.click('[data-test=add-workday]')
  await page.click('[data-test=save-calendar]')
  await page.waitForSelector('[data-test=workdays] li.bad[data-date="2026-10-12"] .err')
  assert.equal((await api(page, 'GET', '/api/calendars/hq')).status, 404, 'nothing was saved')
  await page.click('[data-test=workdays] li[data-date="2026-10-12"] button')
  await page.fill('[data-test=workday-input]', '2026-10-10')
  await page.click('[data-test=add-workday]')
  await page.click('[data-test=save-calendar]')
  await page.waitForURL(/\/builder\/calendars\/hq$/)
  const cal = (await api(page, 'GET', '/api/calendars/hq')).body
  assert.deepEqual(cal.week.mon, [['09:00', '12:00'], ['13:00', '17:30']])
  assert.deepEqual(cal.week.tue, [['09:00', '12:00'], ['13:30', '18:00']], 'the other weekdays keep their hours')
  assert.deepEqual(cal.holidays, ['2026-10-01'])
  assert.deepEqual(cal.workdays, ['2026-10-10'])
  assert.equal(cal.timezone, 'Asia/Shanghai')
  await page.waitForFunction(() => !document.querySelector('.el-message'))
  assert.deepEqual(await check(page), [], 'axe on the calendar editor')
  await shot(page, 'workflow-calendar-desktop')
  await page.context().close()
})

test('the workflow screens in Chinese and at phone width', async () => {
  const zh = await admin({ lang: 'zh-CN', locale: 'zh-CN' })
  await zh.goto(server.url + '/builder/workflows/deal_won')
  await zh.waitForSelector('[data-test=action-2]')
  assert.equal(await zh.locator('h1.page-title').innerText(), '赢单：赢单率 100、生成合同草稿、通知负责人')
  assert.match(await zh.locator('[data-test=trigger]').innerText(), /修改时/)
  assert.match(await zh.locator('[data-test=actions]').innerText(), /设置字段[\s\S]*创建记录[\s\S]*通知用户/)
  assert.deepEqual(await check(zh), [], 'axe on the Chinese rule editor')
  await shot(zh, 'workflow-rule-zh')
  await zh.goto(server.url + '/builder/calendars/cn_office')
  await zh.waitForSelector('[data-test=holiday-list] li')
  assert.match(await zh.locator('[data-test=workdays]').innerText(), /调休上班日/)
  await shot(zh, 'workflow-calendar-zh')
  await zh.context().close()

  const phone = await admin({ phone: true, lang: 'zh-CN', locale: 'zh-CN' })
  for (const [path, ready, name] of [
    ['/builder/workflows', '[data-test=rule-list]', 'workflow-list-phone'],
    ['/builder/workflows/deal_won', '[data-test=action-2]', 'workflow-rule-phone'],
    ['/builder/calendars/cn_office', '[data-test=holiday-list] li', 'workflow-calendar-phone'],
  ]) {
    await phone.goto(server.url + path)
    await phone.waitForSelector(ready)
    const w = await sideways(phone)
    assert.ok(w.scrollWidth <= w.innerWidth, `${path} scrolls sideways at phone width: ${w.scrollWidth} > ${w.innerWidth}`)
    assert.deepEqual(await check(phone), [], `axe on ${path} at phone width`)
    await shot(phone, name)
  }
  await phone.click('[data-test=bell]')
  await phone.waitForSelector('[data-test=bell-panel]')
  await phone.waitForFunction(() => getComputedStyle(document.querySelector('.bell-popper')).opacity === '1') // faded in
  const w = await sideways(phone)
  assert.ok(w.scrollWidth <= w.innerWidth, 'the bell fits at phone width')
  await shot(phone, 'workflow-bell-phone')
  assert.deepEqual(phone.outside, [], 'nothing is fetched from outside')
  await phone.context().close()
})
