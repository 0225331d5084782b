// A rep works the opportunity board: a card dragged to another stage is saved; a move the server refuses (a
// condition of the layout: negotiation needs an expected close date) snaps back with the server's reason.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startMorph, launch, newPage, signIn, api, shot, sideways, choose, axe, drag } from './helpers.mjs'

let server, browser
before(async () => { server = await startMorph({ demo: 20 }); browser = await launch() })
after(async () => { await browser?.close(); await server?.stop() })

const col = value => `[data-test=kanban] .cards[data-col="${value}"]`

test('a rep drags an opportunity to another stage; a refused move snaps back with the reason', async () => {
  const page = await newPage(browser, server)
  const errors = []
  page.on('pageerror', e => errors.push(e.message))
  await signIn(page, server, 'li.rep@example.com', { to: '/e/opportunity' })
  await api(page, 'PATCH', '/api/me', { language: 'en' })
  const accounts = await api(page, 'GET', '/api/records/account?limit=1')
  const made = await api(page, 'POST', '/api/records/opportunity', { name: 'Board test deal', account: accounts.body.items[0].id, stage: 'lead' })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  const id = made.body.id

  await page.goto(server.url + '/e/opportunity?view=default_kanban')
  const card = page.locator(`.kcard[data-id="${id}"]`)
  await card.waitFor()
  assert.equal(await page.locator(`${col('lead')} .kcard[data-id="${id}"]`).count(), 1)

  // Allowed: lead → qualified.
  await drag(page, card, page.locator(col('qualified')))
  await page.waitForFunction(([id]) => document.querySelector(`.cards[data-col="qualified"] .kcard[data-id="${id}"]`), [id])
  await page.waitForSelector('.el-message--success')
  let rec = await api(page, 'GET', `/api/records/opportunity/${id}`)
  assert.equal(rec.body.stage, 'qualified')
  assert.equal(rec.body.version, 2)

  // Refused: negotiation needs an expected close date (the layout's requiredWhen, enforced by the server).
  await drag(page, card, page.locator(col('negotiation')))
  const refusal = page.locator('.kanban-refused')
  await refusal.waitFor()
  assert.match(await refusal.innerText(), /refused/i)
  assert.deepEqual(await axe(page), [], 'axe: the board with the refusal shown')
  await page.waitForFunction(([id]) => document.querySelector(`.cards[data-col="qualified"] .kcard[data-id="${id}"]`)
    && !document.querySelector(`.cards[data-col="negotiation"] .kcard[data-id="${id}"]`), [id])
  rec = await api(page, 'GET', `/api/records/opportunity/${id}`)
  assert.equal(rec.body.stage, 'qualified', 'the refused move changed nothing')
  await shot(page, 'kanban-refused-desktop')

  // A concurrent change: the card's version is stale, the move is refused and the card stays.
  const other = await api(page, 'PATCH', `/api/records/opportunity/${id}`, { next_step: 'Call back' }, { 'If-Match': '"2"' })
  assert.equal(other.status, 200)
  await page.locator('.el-message').first().waitFor({ state: 'detached', timeout: 15000 }).catch(() => {})
  await drag(page, card, page.locator(col('proposal')))
  await page.waitForFunction(() => document.querySelectorAll('.kanban-refused').length > 0)
  await page.waitForFunction(([id]) => document.querySelector(`.cards[data-col="qualified"] .kcard[data-id="${id}"]`), [id])
  rec = await api(page, 'GET', `/api/records/opportunity/${id}`)
  assert.equal(rec.body.stage, 'qualified')

  // Hiding a column: the board leaves it out, in option order otherwise.
  assert.equal(await page.locator(col('lost')).count(), 1)
  await choose(page, '[data-test=hidden-groups] .el-select__wrapper', 'Lost')
  await page.keyboard.press('Escape')
  await page.waitForFunction(() => !document.querySelector('.cards[data-col="lost"]'))
  const order = await page.locator('[data-test=kanban] .cards').evaluateAll(els => els.map(e => e.dataset.col))
  assert.deepEqual(order, ['lead', 'qualified', 'proposal', 'negotiation', 'won'])
  assert.deepEqual(errors, [])
})

test('the board at phone width has no sideways scroll', async () => {
  const page = await newPage(browser, server, { phone: true })
  await signIn(page, server, 'li.rep@example.com', { to: '/e/opportunity?view=default_kanban' })
  await page.waitForSelector('[data-test=kanban] .column')
  const w = await sideways(page)
  assert.ok(w.scrollWidth <= w.innerWidth, `scrollWidth ${w.scrollWidth} > ${w.innerWidth}`)
  await shot(page, 'kanban-phone')
})
