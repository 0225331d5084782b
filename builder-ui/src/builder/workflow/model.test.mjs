// Unit tests of the workflow editor's document conversions (model.ts): what is sent for each action type, that a
// webhook's secret is never sent back in the clear but kept, and the server's errors by JSON pointer. model.ts and
// the api.ts it imports are compiled with TypeScript's own transpiler first, since Node runs JavaScript.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync, mkdtempSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'

const here = dirname(fileURLToPath(import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'wfmodel-'))
const compile = src => ts.transpileModule(readFileSync(src, 'utf8'),
  { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
writeFileSync(join(dir, 'api.mjs'), compile(join(here, '..', '..', 'api.ts')))
mkdirSync(join(dir, 'builder', 'workflow'), { recursive: true })
const model = join(dir, 'builder', 'workflow', 'model.mjs')
writeFileSync(model, compile(join(here, 'model.ts')).replace("from '../../api'", "from '../../api.mjs'"))
const { editAction, actionDoc, blankAction, errorsByPath, under, redacted, offsetRE, cronRE } = await import(pathToFileURL(model).href)
const { ApiError } = await import(pathToFileURL(join(dir, 'api.mjs')).href)

test('each action type round-trips through the editor unchanged', () => {
  const docs = [
    { type: 'set', values: { probability: '100' } },
    { type: 'set', values: { owner: 'created_by' }, after: true },
    { type: 'create', entity: 'contract', values: { account: 'account', title: 'name' } },
    { type: 'notify', to: '[owner]', message: { en: 'Won: {{name}}', 'zh-CN': '赢单：{{name}}' } },
    { type: 'email', to: 'email', subject: { en: 'Hi' }, body: { en: 'Hello {{name}}', 'zh-CN': '您好' }, language: 'zh-CN' },
    { type: 'assign', field: 'owner', strategy: 'round_robin', team: '华东销售部' },
    { type: 'assign', field: 'owner', strategy: 'round_robin', role: 'sales_rep' },
    { type: 'reject', message: { 'zh-CN': '不允许' } },
    { type: 'webhook', url: 'https://erp.example.com/hooks/won' },
  ]
  for (const d of docs) assert.deepEqual(actionDoc(editAction(d)), d, d.type)
})

test('a changed type sends only its own keys', () => {
  const a = editAction({ type: 'notify', to: '[owner]', message: { en: 'x' } })
  a.type = 'assign'
  assert.deepEqual(actionDoc(a), { type: 'assign', field: 'owner', strategy: 'round_robin', role: '' })
  a.type = 'set'
  assert.deepEqual(actionDoc(a), { type: 'set', values: {} })
})

test("a webhook's secret: sent when typed, kept as the placeholder when not, dropped when removed", () => {
  const fresh = blankAction('webhook')
  fresh.url = 'https://h.example.com'
  fresh.secret = 's3cret'
  assert.equal(actionDoc(fresh).secret, 's3cret')
  const stored = editAction({ type: 'webhook', url: 'https://h.example.com', secret: redacted })
  assert.equal(stored.secret, '', 'the editor never holds the stored secret')
  assert.equal(actionDoc(stored).secret, redacted, 'untouched: the placeholder keeps the stored one')
  stored.secret = 'new'
  assert.equal(actionDoc(stored).secret, 'new')
  stored.secret = ''
  stored.hasSecret = false
  assert.equal('secret' in actionDoc(stored), false)
})

test('value rows: empty ones are left out, a value without a field is sent for the server to name', () => {
  const a = blankAction('set')
  a.rows = [{ field: 'probability', expr: ' 100 ' }, { field: '', expr: '' }]
  assert.deepEqual(actionDoc(a).values, { probability: '100' })
})

test("the server's errors by pointer, with the place inside the expression", () => {
  const e = new ApiError(422, 'invalid', 'The workflow rule has 2 problem(s)', [
    { path: '/when', code: 'unknown_field', message: 'no field amount_total', offset: 0 },
    { path: '/actions/0/values/probability', code: 'type', message: 'want a number' },
  ])
  const errs = errorsByPath(e, n => `at ${n}`)
  assert.equal(errs['/when'], 'no field amount_total (at 1)')
  assert.equal(errs['/actions/0/values/probability'], 'want a number')
  assert.equal(under(errs, '/actions/0'), 'want a number')
  assert.equal(under(errs, '/actions/1'), '')
  assert.equal(under(errs, '/act'), '', 'a pointer is matched by whole segments')
  assert.deepEqual(errorsByPath(new ApiError(412, 'version', 'stale'), String), { '': 'stale' })
  // A message that already gives its place is not given it twice.
  const placed = errorsByPath(new ApiError(400, 'invalid', 'bad', [
    { path: '/when', code: 'syntax', message: 'unexpected token (at character 25)', offset: 24 },
    { path: '/pause_when', code: 'syntax', message: '意外的符号（第 3 个字符处）', offset: 2 },
  ]), n => `at ${n}`)
  assert.equal(placed['/when'], 'unexpected token (at character 25)')
  assert.equal(placed['/pause_when'], '意外的符号（第 3 个字符处）')
})

test('offsets and cron schedules as the editor checks them', () => {
  for (const ok of ['3d', '-1d', '2h', '-30m', '-7d', '0', '0m', '2w', '+1d']) assert.ok(offsetRE.test(ok), ok)
  for (const bad of ['3', 'd', '1.5d', '3y', '--1d', '', '1 d']) assert.ok(!offsetRE.test(bad), bad)
  assert.ok(cronRE.test('0 9 * * 1-5'))
  assert.ok(!cronRE.test('0 9 * *'))
})

test('an action type the editor does not know is sent back as it came', () => {
  const d = { type: 'sla', op: 'start', policy: 'first_response' }
  assert.deepEqual(actionDoc(editAction(d)), d)
  const a = editAction(d)
  a.type = 'notify'
  a.to = '[owner]'
  a.msgEn = 'x'
  assert.deepEqual(actionDoc(a), { type: 'notify', to: '[owner]', message: { en: 'x' } }, 'changed to a known type: that type only')
})
