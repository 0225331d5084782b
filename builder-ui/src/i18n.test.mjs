// Unit tests of the UI's messages (i18n.ts with the builder's and the view set-up's, run by `npm run test:unit`):
// every key exists in English and in Chinese, no two parts claim the same top-level key (they are spread into one
// object, so one would silently replace the other), and every key is used somewhere in src. i18n.ts and the message
// files it imports are compiled with TypeScript's own transpiler first, since Node runs JavaScript; vue-i18n is
// replaced by a stand-in that keeps the messages the app gives it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync, mkdtempSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'

const src = dirname(fileURLToPath(import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'i18n-'))

// load compiles a TypeScript module of src and the relative modules it imports into out, and imports it.
const compiled = new Set()
function compile(file) {
  if (compiled.has(file)) return
  compiled.add(file)
  let js = ts.transpileModule(readFileSync(file, 'utf8'),
    { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
  js = js.replace(/from\s+'(\.{1,2}\/[^']+)'/g, (_, spec) => {
    compile(join(dirname(file), `${spec}.ts`))
    return `from '${spec}.mjs'`
  })
  js = js.replace(/from\s+'vue-i18n'/, `from '${pathToFileURL(join(out, 'vue-i18n.mjs')).href}'`)
  const dst = join(out, relative(src, file)).replace(/\.ts$/, '.mjs')
  mkdirSync(dirname(dst), { recursive: true })
  writeFileSync(dst, js)
}
writeFileSync(join(out, 'vue-i18n.mjs'), 'export const createI18n = o => ({ options: o, global: { locale: { value: o.locale } } })\n')
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} }
if (!globalThis.navigator) Object.defineProperty(globalThis, 'navigator', { value: { language: 'en' } })
const load = async rel => { compile(join(src, rel)); return import(pathToFileURL(join(out, rel.replace(/\.ts$/, '.mjs'))).href) }

const { i18n } = await load('i18n.ts')
const { en, 'zh-CN': zh } = i18n.options.messages

// keys lists the leaf keys of a message tree as dotted paths.
function keys(tree, prefix = '') {
  return Object.entries(tree).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
}

test('every message exists in English and in Chinese, and none is empty', () => {
  const e = new Set(keys(en))
  const z = new Set(keys(zh))
  assert.deepEqual([...e].filter(k => !z.has(k)), [], 'keys missing in zh-CN')
  assert.deepEqual([...z].filter(k => !e.has(k)), [], 'keys missing in en')
  const get = (tree, k) => k.split('.').reduce((o, p) => o?.[p], tree)
  for (const k of e) {
    assert.equal(typeof get(en, k), 'string', `en ${k}`)
    assert.ok(get(en, k).trim() || k === 'common.none', `en ${k} is empty`)
    assert.ok(get(zh, k).trim() || k === 'common.none', `zh-CN ${k} is empty`)
  }
})

test('no two parts of the messages claim the same top-level key', async () => {
  const i18nSrc = readFileSync(join(src, 'i18n.ts'), 'utf8')
  const own = i18nSrc.slice(i18nSrc.indexOf('const en = {'), i18nSrc.indexOf('const zh'))
  const app = [...own.matchAll(/^ {2}([A-Za-z]+): /gm)].map(m => m[1])
  const { builderEn } = await load('builder/messages.ts')
  const { viewsEn } = await load('components/viewsetup/messages.ts')
  const parts = { app, builder: Object.keys(builderEn), views: Object.keys(viewsEn) }
  // The builder's own parts (entities, forms, access, workflow, …) are spread into builderEn: each keeps one key.
  const builderDir = join(src, 'builder')
  for (const d of readdirSync(builderDir)) {
    const f = join(builderDir, d, 'messages.ts')
    try { statSync(f) } catch { continue }
    parts[`builder/${d}`] = Object.keys((await load(`builder/${d}/messages.ts`)).en)
  }
  const owner = {}
  for (const [part, ks] of Object.entries(parts)) {
    if (part === 'builder') continue // the union of the builder's parts plus its own "builder" key
    for (const k of ks) {
      assert.ok(!owner[k], `the top-level key "${k}" is in both ${owner[k]} and ${part}`)
      owner[k] = part
    }
  }
  assert.ok(app.includes('sla') && app.includes('list'), `read the app's own keys from i18n.ts: ${app}`)
})

// Keys the code builds from a value (t(`workflow.triggers.${type}`)), so that no literal names them: the keys under
// such a prefix count as used — all of them, or only the ones listed when the value comes from a short, fixed list.
// Each prefix must still be built somewhere in src (a template `prefix${…}` or 'prefix' + …).
const dynamic = [
  ['filter.ops.'], // FilterBuilder: an operator's label
  ['sla.', ['response', 'resolution']], ['sla.state.'], // SlaDeadlines: a deadline's kind and state
  ['entities.types.'], ['entities.changes.'], ['entities.aggs.'], ['entities.results.'], // the field designer
  ['forms.', ['section', 'row', 'tabs', 'tab', 'col']], ['forms.losses.'], // the form designer's containers, what a layout loses
  ['access.role.', ['createOp', 'read', 'update', 'delete', 'where']], ['access.role.scopes.'], ['access.role.levels.'], // the role editor
  ['access.log.actions.'], ['access.log.kinds.'], ['access.log.via.'], ['access.log.notes.'], // the audit log: actions, kinds, and the settings of a user,
  ['access.user.'], ['access.team.', ['name', 'parent', 'manager']], ['access.key.'], // a team and an API key
  ['workflow.triggers.'], ['workflow.triggerHelp.'], ['workflow.status.'], ['workflow.actions.'], ['workflow.calendars.days.'],
  ['slas.kinds.'], ['slas.kindTypes.'], // the SLA editor's kept fields: what each holds and its type
]
const built = k => dynamic.some(([p, only]) => (only ? only.some(o => k === p + o) : k.startsWith(p)))

// The source files that may use a key: everything in src but the tests.
function sources(dir) {
  return readdirSync(dir).flatMap(n => {
    const p = join(dir, n)
    if (statSync(p).isDirectory()) return sources(p)
    return /\.(ts|vue)$/.test(n) && !/\.test\./.test(n) ? [p] : []
  })
}
const corpus = sources(src).map(f => readFileSync(f, 'utf8')).join('\n')

test('every message key is used somewhere in src', () => {
  const all = keys(en)
  const used = k => corpus.includes(`'${k}'`) || corpus.includes(`"${k}"`) || corpus.includes(`\`${k}\``)
  const unused = all.filter(k => !built(k) && !used(k))
  assert.deepEqual(unused, [], 'message keys nothing uses: remove them, or name the prefix that builds them in the test')
})

test('each prefix of the keys built from values is in use and still has keys', () => {
  const all = keys(en)
  for (const [p, only] of dynamic) {
    for (const o of only || []) assert.ok(all.includes(p + o), `no message ${p}${o}`)
    assert.ok(all.some(k => k.startsWith(p)), `no message starts with ${p}`)
    assert.ok(corpus.includes(`\`${p}\${`) || corpus.includes(`'${p}' +`) || corpus.includes(`"${p}" +`), `nothing in src builds a key from ${p}`)
  }
})
