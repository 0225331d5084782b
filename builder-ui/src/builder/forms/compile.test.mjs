// Unit tests of the form designer's compiler (compile.ts): a Morph layout document into the canvas's rules and the
// canvas's rules back into a layout document. Run by `npm run test:unit` (node --test src/). compile.ts is compiled
// to JavaScript with TypeScript's own transpiler first; its one import that needs the browser (meta.ts, for labels
// in the UI language) is replaced by a stand-in that answers English.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'

const here = dirname(fileURLToPath(import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'compile-'))
const js = ts.transpileModule(readFileSync(join(here, 'compile.ts'), 'utf8'),
  { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
assert.match(js, /from '..\/..\/meta'/)
writeFileSync(join(dir, 'meta.mjs'), "export function text(l) { if (!l) return ''; if (typeof l === 'string') return l; return l.en || Object.values(l)[0] || '' }\n")
writeFileSync(join(dir, 'compile.mjs'), js.replace(/from '..\/..\/meta'/, "from './meta.mjs'"))
const { layoutToRules, rulesToLayout, splitCanvas, placedFields, originOf, kindOf, fieldKeyOf, fieldRule } = await import(pathToFileURL(join(dir, 'compile.mjs')).href)

const L = (en, zh) => ({ en, 'zh-CN': zh })

function entity(fields) {
  const list = fields.map(([key, type, required]) => ({ key, type, label: L(key.toUpperCase(), key), options: [], many: false, required: !!required, readOnly: false, schema: {} }))
  return { name: 'member', label: L('Member', '会员'), titleField: 'name', fields: list, byKey: Object.fromEntries(list.map(f => [f.key, f])), raw: {} }
}

const member = entity([['name', 'text', true], ['phone', 'phone'], ['level', 'select'], ['vip_since', 'date'], ['notes', 'textarea'], ['email', 'email']])
const t = (key, args) => `${key} ${JSON.stringify(args || {})}`

// canvas answers the rules as the designer gives them back (designer.getRule()): every rule with an _fc_id of its
// own, the rest as it was given.
let ids = 0
function canvas(rules) {
  const copy = structuredClone(rules)
  const walk = rs => { for (const r of rs || []) if (r && typeof r === 'object') { r._fc_id ||= `id_${++ids}`; walk(r.children) } }
  walk(copy)
  return copy
}

const roundTrip = (e, doc) => {
  const c = layoutToRules(e, doc)
  const back = rulesToLayout(e, canvas(c.rules), c.soleTab, { id: doc.id, label: doc.label }, t)
  return { c, back }
}

const twoTabs = {
  id: 'default', label: L('Member form', '会员表单'),
  tabs: [
    {
      id: 'main', label: L('Main', '主要'),
      sections: [
        {
          id: 'basics', label: L('Basics', '基本信息'),
          rows: [
            { cols: [{ span: 12, field: 'name' }, { span: 12, field: 'phone', help: L('Mobile', '手机') }] },
            { cols: [{ span: 8, field: 'level' }, { span: 8, text: L('Gold members get a card', '金卡会员有卡'), visibleWhen: "level == 'gold'" },
              { span: 8, field: 'vip_since', visibleWhen: "level == 'gold'", requiredWhen: "level == 'gold'", readOnlyWhen: 'phone == null', placeholder: L('Since', '起始') }] },
          ],
        },
        { id: 'more', label: L('More', '更多'), visibleWhen: "level != null", rows: [{ cols: [{ span: 24, field: 'notes' }] }] },
      ],
    },
    { id: 'contact', label: L('Contact', '联系'), visibleWhen: "phone != null", sections: [{ id: 'mail', rows: [{ cols: [{ span: 16, field: 'email' }] }] }] },
  ],
}

test('tabs, sections, rows, spans, static text and conditions come back as they went', () => {
  const { c, back } = roundTrip(member, twoTabs)
  assert.deepEqual(c.losses, [])
  assert.deepEqual(back.problems, [])
  assert.deepEqual(back.doc, twoTabs)
})

test('a layout of one tab keeps its tab out of sight and comes back with it', () => {
  const one = { id: 'default', tabs: [{ id: 'profile', label: L('Profile', '资料'), visibleWhen: 'name != null', sections: twoTabs.tabs[0].sections }] }
  const { c, back } = roundTrip(member, one)
  assert.ok(c.rules.every(r => kindOf(r) === 'section'), 'no tab strip on the canvas')
  assert.deepEqual(back.problems, [])
  assert.deepEqual(back.doc, one)
})

test('items dragged flat into a section are packed into rows of 24', () => {
  const e = member
  const item = (key, span, newRow) => fieldRule(e.byKey[key], { span, ...(newRow ? { newRow } : {}) })
  const rules = canvas([{ type: 'elCard', _fc_drag_tag: 'elCard', morph: { id: 's', label: L('S', '分区') }, props: {},
    children: [item('name', 12), item('phone', 12), item('level', 12), item('email', 8, true), item('notes', 24)] }])
  const back = rulesToLayout(e, rules, undefined, { id: 'default' }, t)
  assert.deepEqual(back.problems, [])
  assert.deepEqual(back.doc.tabs[0].sections[0].rows.map(r => r.cols.map(c => `${c.field}:${c.span}`)),
    [['name:12', 'phone:12'], ['level:12'], ['email:8'], ['notes:24']])
})

test('a field the entity does not have is refused both ways', () => {
  const doc = { id: 'default', tabs: [{ id: 'main', sections: [{ id: 's', rows: [{ cols: [{ span: 12, field: 'name' }, { span: 12, field: 'wechat' }] }] }] }] }
  const c = layoutToRules(member, doc)
  assert.deepEqual(c.losses, [{ path: '/tabs/0/sections/0/rows/0/cols/1/field', kind: 'unknownField', field: 'wechat' }])
  assert.deepEqual([...placedFields(c.rules)], ['name'])
  // On the canvas (an old draft, or the entity lost the field meanwhile): refused, at the rule.
  const rules = canvas([{ type: 'elCard', _fc_drag_tag: 'elCard', morph: { id: 's' }, children: [
    fieldRule(member.byKey.name), { type: 'MorphCanvasField', _fc_drag_tag: 'mf_wechat', _fc_id: 'id_w', props: { fieldKey: 'wechat' }, morph: {} }] }])
  const back = rulesToLayout(member, rules, undefined, { id: 'default' }, t)
  assert.deepEqual(back.problems, [{ rule: 'id_w', message: 'forms.problems.unknownField {"field":"wechat"}' }])
  assert.deepEqual(back.doc.tabs[0].sections[0].rows.flatMap(r => r.cols.map(c => c.field)), ['name'])
})

test('what the designer cannot show is reported with its path, not lost in silence', () => {
  const doc = { id: 'default', tabs: [{ id: 'main', sections: [{ id: 's', rows: [
    { cols: [{ span: 12 }, { span: 12, field: 'name', text: L('Hi', '你好') }] },
    { cols: [{ span: 24, text: L('Note', '注'), requiredWhen: 'name == null' }] },
    { cols: [{ span: 24, field: 'name' }] },
  ] }] }] }
  const { c, back } = roundTrip(member, doc)
  assert.deepEqual(c.losses, [
    { path: '/tabs/0/sections/0/rows/0/cols/0', kind: 'empty' },
    { path: '/tabs/0/sections/0/rows/0/cols/1/text', kind: 'fieldAndText', field: 'name' },
    { path: '/tabs/0/sections/0/rows/1/cols/0/requiredWhen', kind: 'textCondition' },
    { path: '/tabs/0/sections/0/rows/2/cols/0/field', kind: 'twice', field: 'name' },
  ])
  // What is kept compiles back: the field (in a row of its own, its column first now) and the text.
  assert.deepEqual(back.doc.tabs[0].sections[0].rows, [{ cols: [{ span: 12, field: 'name' }] }, { cols: [{ span: 24, text: L('Note', '注') }] }])
})

test('the canvas is checked before anything is sent: a field twice, tabs in a section, a row too wide', () => {
  const col = (span, key) => ({ type: 'col', _fc_drag_tag: 'col', props: { span }, children: [fieldRule(member.byKey[key])] })
  const rules = canvas([{ type: 'elCard', _fc_drag_tag: 'elCard', _fc_id: 'sec', morph: { id: 's' }, children: [
    { type: 'fcRow', _fc_drag_tag: 'fcRow', _fc_id: 'row', children: [col(16, 'name'), col(12, 'phone')] },
    { ...fieldRule(member.byKey.name), _fc_id: 'again' },
    { type: 'elTabs', _fc_drag_tag: 'elTabs', _fc_id: 'tabs', children: [] },
  ] }])
  const back = rulesToLayout(member, rules, undefined, { id: 'default' }, t)
  assert.deepEqual(back.problems.map(p => [p.rule, p.message.split(' ')[0]]), [
    ['row', 'forms.problems.rowWidth'], ['again', 'forms.problems.twice'], ['tabs', 'forms.problems.notHere']])
})

test('a server error at a pointer is shown at the rule it came from', () => {
  const { c } = roundTrip(member, twoTabs)
  const rules = canvas(c.rules)
  const back = rulesToLayout(member, rules, c.soleTab, { id: 'default' }, t)
  const vip = rules[0].children[0].children[0].children.find(r => fieldKeyOf(r) === 'vip_since')
  assert.deepEqual(originOf(back.origins, '/tabs/0/sections/0/rows/1/cols/2/visibleWhen'), { rule: vip._fc_id, part: 'visibleWhen' })
  assert.deepEqual(originOf(back.origins, '/nowhere'), { part: '' })
})

test('a canvas of 150 fields shows its first screen and then the rest, in order, to the same layout', () => {
  const keys = Array.from({ length: 150 }, (_, i) => `f${i + 1}`)
  const wide = entity(keys.map(k => [k, 'text']))
  const doc = { id: 'default', tabs: [
    { id: 'a', sections: [{ id: 's1', rows: keys.slice(0, 100).map(k => ({ cols: [{ span: 12, field: k }] })) }] },
    { id: 'b', sections: [{ id: 's2', rows: keys.slice(100, 140).map(k => ({ cols: [{ span: 24, field: k }] })) }, { id: 's3', rows: keys.slice(140).map(k => ({ cols: [{ span: 24, field: k }] })) }] },
  ] }
  const full = layoutToRules(wide, doc)
  const { head, rest } = splitCanvas(structuredClone(full.rules), 24, 25)
  assert.equal(placedFields(head).size, 24)
  assert.ok(rest.every(s => s.rules.length <= 25))
  // Append each slice where it belongs, as the designer page does, and compile.
  const find = (rs, id) => { for (const r of rs) { if (r._fc_id === id) return r; const x = find(r.children || [], id); if (x) return x } return null }
  for (const s of rest) (s.parent ? find(head, s.parent).children : head).push(...s.rules)
  assert.equal(placedFields(head).size, 150)
  const back = rulesToLayout(wide, canvas(head), full.soleTab, { id: 'default' }, t)
  assert.deepEqual(back.problems, [])
  assert.deepEqual(back.doc, doc)
})
