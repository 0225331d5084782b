// Unit tests of the browser's condition evaluator and of the filter builder's compiler (filterlang.ts), run by
// `npm run test:unit` (node --test src/). filterlang.ts is compiled to JavaScript with TypeScript's own
// transpiler first, since Node runs JavaScript. The cases of conditions.cases.json are also run through the
// server's evaluator (schema/lang TestConditionCasesAgreeWithBrowser), so both sides agree on them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'

const here = dirname(fileURLToPath(import.meta.url))
const js = ts.transpileModule(readFileSync(join(here, 'filterlang.ts'), 'utf8'),
  { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
const out = join(mkdtempSync(join(tmpdir(), 'filterlang-')), 'filterlang.mjs')
writeFileSync(out, js)
const { evaluate, compileGroup, compileCondition, literal, and, toGroup, parse } = await import(pathToFileURL(out).href)
const cases = JSON.parse(readFileSync(join(here, 'conditions.cases.json'), 'utf8'))

test('conditions agree with the server on the shared table', () => {
  for (const [expr, want] of cases.cases) assert.equal(evaluate(expr, cases.record), want, expr)
})

test('what only the browser decides', () => {
  for (const [expr, want, why] of cases.browserOnly) assert.equal(evaluate(expr, cases.record), want, `${expr}: ${why}`)
})

test('comparisons read the values the form holds', () => {
  assert.equal(evaluate('level == "gold"', { level: 'gold' }), true)
  assert.equal(evaluate('level == "gold"', {}), false)
  assert.equal(evaluate('level == nil', { level: null }), true)
  assert.equal(evaluate('level == nil', { level: undefined }), true)
  assert.equal(evaluate('amount.amount > 100', { amount: { amount: 150, currency: 'CNY' } }), true)
  assert.equal(evaluate('amount.amount > 100', { amount: null }), false)
  assert.equal(evaluate('tags contains "a"', { tags: ['a', 'b'] }), true)
  assert.equal(evaluate('x in [1, 2, 3]', { x: 2 }), true)
  assert.equal(evaluate('x in [1, 2, 3]', { x: '2' }), false)
  assert.equal(evaluate('x not in [1, 2]', { x: 3 }), true)
  assert.equal(evaluate('-x < 0', { x: 3 }), true)
  assert.equal(evaluate('x == 1_000', { x: 1000 }), true)
  assert.equal(evaluate("s == 'it\\'s'", { s: "it's" }), true)
  assert.equal(evaluate('d >= "2026-01-01" && d < "2027-01-01"', { d: '2026-06-30' }), true)
  assert.equal(evaluate('d >= "2026-01-01" && d < "2027-01-01"', { d: '2027-01-01' }), false)
})

test('&& binds tighter than ||, ! tighter than both', () => {
  assert.equal(evaluate('a || b && c', { a: true, b: false, c: false }), true)
  assert.equal(evaluate('(a || b) && c', { a: true, b: false, c: false }), false)
  assert.equal(evaluate('!a && b', { a: false, b: true }), true)
  assert.equal(evaluate('!(a && b)', { a: true, b: true }), false)
  assert.throws(() => parse('a &&'))
  assert.throws(() => parse("'open"))
})

test('the filter builder compiles conditions and groups', () => {
  assert.equal(literal("O'Brien\\x"), "'O\\'Brien\\\\x'")
  assert.equal(literal(null), 'nil')
  assert.equal(literal([1, 'a']), "[1, 'a']")
  assert.equal(compileCondition({ field: 'n', op: '>=', value: 5 }), 'n >= 5')
  assert.equal(compileCondition({ field: 'n', op: '>=', value: null }), '')
  assert.equal(compileCondition({ field: 'city', op: 'empty', value: null }), 'city == nil')
  assert.equal(compileCondition({ field: 'stage', op: 'in', value: ['won', 'lost'] }), "stage in ['won', 'lost']")
  assert.equal(compileCondition({ field: 'tags', op: 'has', value: 'vip' }), "'vip' in tags")
  const g = { join: '&&', items: [
    { field: 'stage', op: '==', value: 'won' },
    { join: '||', items: [{ field: 'n', op: '>', value: 5 }, { field: 'name', op: 'contains', value: 'Ltd' }] },
  ] }
  const src = compileGroup(g)
  assert.equal(src, "stage == 'won' && (n > 5 || name contains 'Ltd')")
  assert.equal(evaluate(src, cases.record), true)
  assert.equal(and('a == 1', '', undefined, 'b == 2'), '(a == 1) && (b == 2)')
  assert.equal(and('a == 1'), 'a == 1')
})

test('a filter the builder wrote reads back into the builder', () => {
  const g = { join: '||', items: [
    { field: 'stage', op: '!=', value: 'lost' },
    { field: 'city', op: 'notEmpty', value: null },
    { field: 'tags', op: 'has', value: 'vip' },
    { join: '&&', items: [{ field: 'n', op: '<', value: -3 }, { field: 'stage', op: 'in', value: ['a', 'b'] }] },
  ] }
  assert.deepEqual(toGroup(compileGroup(g)), g)
  assert.deepEqual(toGroup(''), { join: '&&', items: [] })
  assert.equal(toGroup('len(tags) > 1'), null, 'a function: kept as text')
  assert.equal(toGroup('a == 1 && (b == 2 || (c == 3 && d == 4))'), null, 'nested deeper than the builder shows')
  assert.equal(toGroup('a == b'), null, 'a field compared with a field')
  assert.equal(toGroup('a =='), null)
})
