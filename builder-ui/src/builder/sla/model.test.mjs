// Unit tests of the SLA editor's document conversions (model.ts): a policy goes through the editor unchanged, the
// default calendar is the document without one, and only what is complete is sent. model.ts is compiled with
// TypeScript's own transpiler first, since Node runs JavaScript.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'

const here = dirname(fileURLToPath(import.meta.url))
const out = join(mkdtempSync(join(tmpdir(), 'slamodel-')), 'model.mjs')
writeFileSync(out, ts.transpileModule(readFileSync(join(here, 'model.ts'), 'utf8'),
  { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText)
const { editPolicy, policyDoc, maintained, defaultCalendar } = await import(pathToFileURL(out).href)

test('the example ticket policy goes through the editor unchanged', () => {
  const doc = JSON.parse(readFileSync(join(here, '..', '..', '..', '..', 'examples', 'sme-crm', 'slas', 'ticket_sla.json'), 'utf8'))
  assert.deepEqual(policyDoc(editPolicy(doc)), doc)
})

test('the default calendar is the document without a calendar', () => {
  const doc = { name: 'p', entity: 'ticket', active: false, targets: { '*': { response: 1, resolution: 2 } }, responded_when: 'a', resolved_when: 'b', fields: {} }
  const e = editPolicy(doc)
  assert.equal(e.calendar, defaultCalendar)
  assert.equal('calendar' in policyDoc(e), false)
  assert.equal(policyDoc({ ...e, calendar: 'cn_office' }).calendar, 'cn_office')
  assert.equal(editPolicy({ ...doc, active: undefined }).active, true, 'a policy is active unless it says otherwise')
})

test('only complete targets, chosen fields and non-empty parts are sent', () => {
  const e = editPolicy({ name: ' p ', entity: 'ticket', targets: {}, responded_when: ' x != nil ', resolved_when: 'y', fields: {} })
  e.targets = { high: { response: 2, resolution: null }, low: { response: null, resolution: null }, '*': { response: 0.5, resolution: 8 } }
  e.fields = { response_due: 'due1', resolution_due: '', breached: 'flag', unknown: 'x' }
  e.en = '  '
  e.zh = ' 工单 '
  e.pause = '  '
  const d = policyDoc(e)
  assert.deepEqual(d.targets, { '*': { response: 0.5, resolution: 8 } })
  assert.deepEqual(d.fields, { response_due: 'due1', breached: 'flag' })
  assert.deepEqual(d.label, { 'zh-CN': '工单' })
  assert.equal(d.name, 'p')
  assert.equal(d.responded_when, 'x != nil')
  assert.equal('pause_when' in d, false)
  assert.equal('priority' in d, false)
})

test('the kept fields are those of the server\'s policy schema (sla/policy.go)', () => {
  const goSrc = readFileSync(join(here, '..', '..', '..', '..', 'sla', 'policy.go'), 'utf8')
  const schema = JSON.parse(goSrc.slice(goSrc.indexOf('const policySchema = `') + 22, goSrc.indexOf('}`', goSrc.indexOf('const policySchema = `')) + 1))
  const fields = schema.properties.fields
  assert.deepEqual([...maintained.map(m => m.key), 'breached'].sort(), Object.keys(fields.properties).sort())
  assert.deepEqual(maintained.filter(m => m.required).map(m => m.key).sort(), [...fields.required].sort())
  assert.deepEqual(maintained.map(m => [m.key, m.type]), [
    ['response_due', 'datetime'], ['resolution_due', 'datetime'], ['response_met_at', 'datetime'], ['resolution_met_at', 'datetime'],
    ['response_remaining', 'number'], ['resolution_remaining', 'number'],
  ])
})
