// Unit tests of how phone numbers are shown (phonefmt.ts), run by `npm run test:unit`. phonefmt.ts is compiled to
// JavaScript with TypeScript's own transpiler first, since Node runs JavaScript. The masked forms are those the
// server's masks give (schema/mask/mask_phone.go).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'

const here = dirname(fileURLToPath(import.meta.url))
const js = ts.transpileModule(readFileSync(join(here, 'phonefmt.ts'), 'utf8'),
  { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
const out = join(mkdtempSync(join(tmpdir(), 'phonefmt-')), 'phonefmt.mjs')
writeFileSync(out, js)
const { formatPhone } = await import(pathToFileURL(out).href)

test('phone numbers as people write them', () => {
  for (const [stored, shown] of [
    ['+8613800138000', '138 0013 8000'],
    ['+86138****8000', '138 **** 8000'],
    ['13800138000', '138 0013 8000'],
    ['138****8000', '138 **** 8000'],
    ['+861012345678', '010 1234 5678'],
    ['+8610****5678', '010 **** 5678'],
    ['+862161234567', '021 6123 4567'],
    ['+8657187654321', '0571 8765 4321'],
    ['+86571****4321', '0571 **** 4321'],
    ['+867461234567', '0746 123 4567'],
    ['+86746***4567', '0746 *** 4567'],
    ['+864008108888', '400 810 8888'],
    ['+86400***8888', '400 *** 8888'],
    ['+868008208820', '800 820 8820'],
    ['+14155552671', '+1 4155552671'],
    ['+1******2671', '+1 ******2671'],
    ['+85291234567', '+852 91234567'],
    ['+442079460958', '+44 2079460958'],
    ['+86******5678', '+86 ******5678'],
    ['***45', '***45'],
    ['ext 12', 'ext 12'],
    ['+8612', '+8612'],
  ]) assert.equal(formatPhone(stored), shown, stored)
})
