// The form designer's two-way compilation: a Morph layout document into @form-create/designer rules for the
// canvas, and the canvas's rules back into a layout document. Only the layout document leaves the browser; what
// the designer keeps of its own (ids, menus, props) stays here. Each designer rule that stands for a part of the
// layout carries that part's settings in `morph` (ids, labels in both languages, conditions, help), which the
// designer keeps on its rules as they are.
import { text, type EntityDef, type FieldDef, type Label } from '../../meta'
import type { Layout, LayoutCol } from '../../defs'

export type I18nText = { en?: string; 'zh-CN'?: string }

// MorphMeta is what a designer rule carries of the layout: set by layoutToRules and the inspector.
export interface MorphMeta {
  id?: string
  label?: I18nText
  text?: I18nText
  help?: I18nText
  placeholder?: I18nText
  visibleWhen?: string
  requiredWhen?: string
  readOnlyWhen?: string
  // A field or text placed straight in a section (not in a row of columns): its width of 24, and whether it
  // starts a row of its own. Rows of the layout come back from these: the canvas keeps them flat, which keeps a
  // form of many fields quick to open.
  span?: number
  newRow?: boolean
}

// The designer's names of the rules the form designer offers.
export const SECTION = 'elCard'
export const TABS = 'elTabs'
export const TAB = 'elTabPane'
export const ROW = 'fcRow'
export const COL = 'col'
export const TEXT = 'morph_text'
export const fieldTag = (key: string) => 'mf_' + key

export type RuleKind = 'tabs' | 'tab' | 'section' | 'row' | 'col' | 'field' | 'text' | 'other'

export function kindOf(r: any): RuleKind {
  const tag = r?._fc_drag_tag || r?.type
  if (tag === TABS) return 'tabs'
  if (tag === TAB) return 'tab'
  if (tag === SECTION) return 'section'
  if (tag === ROW) return 'row'
  if (tag === COL) return 'col'
  if (tag === TEXT) return 'text'
  if (typeof tag === 'string' && tag.startsWith('mf_')) return 'field'
  return 'other'
}

function label(l: Label | undefined): I18nText | undefined {
  if (!l) return undefined
  if (typeof l === 'string') return { en: l, 'zh-CN': l }
  const out: I18nText = {}
  if (l.en) out.en = l.en
  if (l['zh-CN']) out['zh-CN'] = l['zh-CN']
  return out
}

// fieldRule is how a field looks on the canvas: its label and an empty box (the canvas is laid out, not filled in;
// the preview shows the end user's widgets). One light component for every type (CANVAS_FIELD, no form item, no
// input, no value of its own) keeps a form of 150 fields quick to open. widthHint shows a flat item's width.
export const CANVAS_FIELD = 'MorphCanvasField'

export function widthHint(meta: MorphMeta): Record<string, string> {
  const span = meta.span && meta.span < 24 ? meta.span : 24
  return { width: `${Math.round((span / 24) * 1000) / 10}%` }
}

export function fieldRule(f: FieldDef, meta: MorphMeta = {}): any {
  return {
    type: CANVAS_FIELD, _fc_drag_tag: fieldTag(f.key), style: widthHint(meta),
    props: { fieldKey: f.key, label: text(f.label), required: !!f.required, help: meta.help ? text(meta.help as Label) : '', multiline: f.type === 'textarea' || f.type === 'json' },
    morph: { ...meta },
  }
}

// fieldKeyOf answers the entity field a canvas rule of kind 'field' stands for.
export function fieldKeyOf(r: any): string {
  const tag = r?._fc_drag_tag || r?.type
  return typeof tag === 'string' && tag.startsWith('mf_') ? tag.slice(3) : r?.props?.fieldKey || r?.field || ''
}

export function textRule(meta: MorphMeta): any {
  return {
    type: 'div', _fc_drag_tag: TEXT, native: true, style: { whiteSpace: 'pre-line', color: '#5e6470', ...widthHint(meta) },
    children: [text(meta.text as Label) || ' '], morph: { ...meta },
  }
}

export function sectionRule(meta: MorphMeta, children: any[]): any {
  return { type: SECTION, _fc_drag_tag: SECTION, props: { header: text(meta.label as Label), shadow: 'never' }, style: { width: '100%', marginBottom: '12px' }, children, morph: { ...meta } }
}

export function tabRule(meta: MorphMeta, children: any[]): any {
  return { type: TAB, _fc_drag_tag: TAB, props: { label: text(meta.label as Label) || meta.id, name: meta.id }, children, morph: { ...meta } }
}

// A part of a layout document the canvas cannot show, at its JSON pointer: saving the canvas would drop it, so the
// designer says so first. kind: 'unknownField' (a field the entity does not have), 'twice' (a field placed again),
// 'empty' (a column of neither field nor text), 'fieldAndText' (a column of both: the text is dropped),
// 'textCondition' (requiredWhen / readOnlyWhen on a text: dropped).
export interface Loss { path: string; kind: 'unknownField' | 'twice' | 'empty' | 'fieldAndText' | 'textCondition'; field?: string }

// The tab a layout of one tab keeps out of sight: the canvas shows its sections without a tab strip.
export interface Compiled { rules: any[]; soleTab?: MorphMeta; losses: Loss[] }

export function layoutToRules(e: EntityDef, layout: Layout): Compiled {
  const losses: Loss[] = []
  const seen = new Set<string>()
  const col = (c: LayoutCol, path: string): any => {
    const meta: MorphMeta = {}
    for (const k of ['visibleWhen', 'requiredWhen', 'readOnlyWhen'] as const) if (c[k]) meta[k] = c[k]
    if (c.help) meta.help = label(c.help)
    if ((c as any).placeholder) meta.placeholder = label((c as any).placeholder)
    let item: any = null
    if (c.field) {
      if (!e.byKey[c.field]) losses.push({ path: `${path}/field`, kind: 'unknownField', field: c.field })
      else if (seen.has(c.field)) losses.push({ path: `${path}/field`, kind: 'twice', field: c.field })
      else {
        seen.add(c.field)
        item = fieldRule(e.byKey[c.field], meta)
        if (c.text) losses.push({ path: `${path}/text`, kind: 'fieldAndText', field: c.field })
      }
    } else if (c.text) {
      item = textRule({ ...meta, text: label(c.text) })
      if (c.requiredWhen || c.readOnlyWhen) losses.push({ path: `${path}/${c.requiredWhen ? 'requiredWhen' : 'readOnlyWhen'}`, kind: 'textCondition' })
    } else losses.push({ path, kind: 'empty' })
    if (!item) return null
    return { type: COL, _fc_drag_tag: COL, props: { span: c.span || 24 }, children: [item] }
  }
  const sections = (t: Layout['tabs'][number], ti: number) => t.sections.map((s, i) => sectionRule(
    { id: s.id || `section${i + 1}`, label: label(s.label), ...(s.visibleWhen ? { visibleWhen: s.visibleWhen } : {}) },
    s.rows.flatMap((r, ri) => { let first = true; return r.cols.map((c, j) => {
      const x = col(c, `/tabs/${ti}/sections/${i}/rows/${ri}/cols/${j}`)
      if (!x) return null
      const item = x.children[0]
      item.morph = { ...item.morph, span: c.span || 24, ...(first ? { newRow: true } : {}) }
      first = false
      item.style = { ...item.style, ...widthHint(item.morph) }
      return item
    }) }).filter(Boolean)))
  const tabMeta = (t: Layout['tabs'][number]): MorphMeta => ({ id: t.id, label: label(t.label), ...((t as any).visibleWhen ? { visibleWhen: (t as any).visibleWhen } : {}) })
  if (layout.tabs.length === 1) return { rules: sections(layout.tabs[0], 0), soleTab: tabMeta(layout.tabs[0]), losses }
  return {
    rules: [{ type: TABS, _fc_drag_tag: TABS, style: { width: '100%' }, props: { modelValue: layout.tabs[0]?.id }, children: layout.tabs.map((t, i) => tabRule(tabMeta(t), sections(t, i))) }],
    losses,
  }
}

// A problem the designer finds before anything is sent: at a designer rule (its _fc_id).
export interface Problem { rule?: string; message: string }

// Where each part of the compiled document came from: JSON pointer → the designer rule's _fc_id.
export type Origins = Record<string, string>

export interface Back { doc: Record<string, any>; origins: Origins; problems: Problem[] }

type Msg = (key: string, args?: Record<string, unknown>) => string

const keyRE = /^[A-Za-z0-9_-]{1,64}$/

// rulesToLayout compiles the canvas (designer.getRule()) into a layout document of entity e.
export function rulesToLayout(e: EntityDef, rules: any[], soleTab: MorphMeta | undefined, head: { id: string; label?: Label }, t: Msg): Back {
  const origins: Origins = {}
  const problems: Problem[] = []
  const ids = new Set<string>()
  const placed = new Map<string, string>()
  const uniqueId = (want: string | undefined, fallback: string) => {
    let id = want && keyRE.test(want) ? want : fallback.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60) || 'part'
    if (ids.has(id)) { let n = 2; while (ids.has(`${id}_${n}`)) n++; id = `${id}_${n}` }
    ids.add(id)
    return id
  }
  const conds = (m: MorphMeta | undefined, keys: ('visibleWhen' | 'requiredWhen' | 'readOnlyWhen')[]) => {
    const out: Record<string, string> = {}
    for (const k of keys) if (m?.[k] && m[k]!.trim()) out[k] = m[k]!.trim()
    return out
  }
  const text2 = (l: I18nText | undefined) => {
    const out: I18nText = {}
    if (l?.en) out.en = l.en
    if (l?.['zh-CN']) out['zh-CN'] = l['zh-CN']
    return Object.keys(out).length ? out : undefined
  }
  const item = (r: any, span: number, path: string): LayoutCol | null => {
    origins[path] = r._fc_id
    const m: MorphMeta = r.morph || {}
    switch (kindOf(r)) {
      case 'field': {
        const key = fieldKeyOf(r)
        if (!e.byKey[key]) { problems.push({ rule: r._fc_id, message: t('forms.problems.unknownField', { field: key }) }); return null }
        if (placed.has(key)) { problems.push({ rule: r._fc_id, message: t('forms.problems.twice', { field: text(e.byKey[key].label) }) }); return null }
        placed.set(key, r._fc_id)
        const c: any = { span, field: key, ...conds(m, ['visibleWhen', 'requiredWhen', 'readOnlyWhen']) }
        if (text2(m.help)) c.help = text2(m.help)
        if (text2(m.placeholder)) c.placeholder = text2(m.placeholder)
        return c
      }
      case 'text': {
        const tx = text2(m.text)
        if (!tx) { problems.push({ rule: r._fc_id, message: t('forms.problems.emptyText') }); return null }
        return { span, text: tx, ...conds(m, ['visibleWhen']) } as any
      }
      default:
        problems.push({ rule: r._fc_id, message: t('forms.problems.notHere') })
        return null
    }
  }
  const rows = (children: any[], path: string) => {
    const out: { cols: LayoutCol[] }[] = []
    let looseRow: { cols: LayoutCol[] } | undefined // the row flat items are being packed into
    for (const r of children || []) {
      if (typeof r !== 'object') continue
      const rp = `${path}/rows/${out.length}`
      if (kindOf(r) === 'row') {
        const cols: LayoutCol[] = []
        let total = 0
        for (const c of r.children || []) {
          if (typeof c !== 'object') continue
          if (kindOf(c) !== 'col') { problems.push({ rule: c._fc_id, message: t('forms.problems.notHere') }); continue }
          const span = Math.round(Number(c.props?.span ?? 12))
          const inner = (c.children || []).filter((x: any) => typeof x === 'object')
          if (!inner.length) continue // an empty column: room left in the row
          if (span < 1 || span > 24) { problems.push({ rule: c._fc_id, message: t('forms.problems.span') }); continue }
          if (inner.length > 1) { problems.push({ rule: c._fc_id, message: t('forms.problems.oneper') }); continue }
          const x = item(inner[0], span, `${rp}/cols/${cols.length}`)
          if (x) { cols.push(x); total += span }
        }
        if (total > 24) problems.push({ rule: r._fc_id, message: t('forms.problems.rowWidth', { n: total }) })
        if (cols.length) { origins[rp] = r._fc_id; out.push({ cols }) }
      } else {
        const m: MorphMeta = r.morph || {}
        const span = m.span && m.span >= 1 && m.span <= 24 ? Math.round(m.span) : 24
        const last = out[out.length - 1]
        const used = last && looseRow === last ? last.cols.reduce((a, c) => a + c.span, 0) : 25
        if (!m.newRow && used + span <= 24) {
          const x = item(r, span, `${path}/rows/${out.length - 1}/cols/${last.cols.length}`)
          if (x) last.cols.push(x)
        } else {
          const x = item(r, span, `${rp}/cols/0`)
          if (x) { origins[rp] = r._fc_id; out.push({ cols: [x] }); looseRow = out[out.length - 1] }
        }
      }
    }
    return out
  }
  const sections = (children: any[], path: string) => {
    const out: any[] = []
    let loose: any[] = []
    const flush = () => {
      if (!loose.length) return
      const sp = `${path}/sections/${out.length}`
      out.push({ id: uniqueId(undefined, `section${out.length + 1}`), rows: rows(loose, sp) })
      loose = []
    }
    for (const r of children || []) {
      if (typeof r !== 'object') continue
      const k = kindOf(r)
      if (k === 'section') {
        flush()
        const m: MorphMeta = r.morph || {}
        const sp = `${path}/sections/${out.length}`
        origins[sp] = r._fc_id
        const s: any = { id: uniqueId(m.id, r.name || `section${out.length + 1}`) }
        const l = text2(m.label) || (r.props?.header ? { en: r.props.header, 'zh-CN': r.props.header } : undefined)
        if (l) s.label = l
        Object.assign(s, conds(m, ['visibleWhen']))
        s.rows = rows(r.children, sp)
        out.push(s)
      } else if (k === 'tabs' || k === 'tab') {
        problems.push({ rule: r._fc_id, message: t('forms.problems.tabsTop') })
      } else loose.push(r)
    }
    flush()
    if (!out.length) out.push({ id: uniqueId(undefined, 'section1'), rows: [] })
    return out
  }
  const tabs: any[] = []
  const rootLoose = rules.filter(r => typeof r === 'object' && kindOf(r) !== 'tabs')
  const tabSets = rules.filter(r => typeof r === 'object' && kindOf(r) === 'tabs')
  if (tabSets.length > 1) for (const ts of tabSets.slice(1)) problems.push({ rule: ts._fc_id, message: t('forms.problems.oneTabs') })
  const tabOf = (m: MorphMeta | undefined, fallbackId: string, fallbackLabel?: string) => {
    const tb: any = { id: uniqueId(m?.id, fallbackId) }
    const l = text2(m?.label) || (fallbackLabel ? { en: fallbackLabel, 'zh-CN': fallbackLabel } : undefined)
    if (l) tb.label = l
    Object.assign(tb, conds(m, ['visibleWhen']))
    return tb
  }
  if (rootLoose.length || !tabSets.length) {
    const tb = tabOf(soleTab, 'main')
    tb.sections = sections(rootLoose, `/tabs/${tabs.length}`)
    tabs.push(tb)
  }
  if (tabSets.length) {
    for (const pane of tabSets[0].children || []) {
      if (typeof pane !== 'object') continue
      if (kindOf(pane) !== 'tab') { problems.push({ rule: pane._fc_id, message: t('forms.problems.notHere') }); continue }
      const tp = `/tabs/${tabs.length}`
      origins[tp] = pane._fc_id
      // A tab of the layout keeps its own label (or none: the strip shows its id); one added on the canvas has its strip's.
      const tb = tabOf(pane.morph, pane.name || `tab${tabs.length + 1}`, pane.morph ? undefined : pane.props?.label)
      tb.sections = sections(pane.children, tp)
      tabs.push(tb)
    }
  }
  const doc: Record<string, any> = { id: head.id }
  if (head.label && typeof head.label === 'object') doc.label = head.label
  doc.tabs = tabs
  return { doc, origins, problems }
}

// originOf finds the designer rule a server error's pointer names (the longest known prefix) and what part of it
// ("visibleWhen", "field", … or "" for the rule itself).
export function originOf(origins: Origins, pointer: string): { rule?: string; part: string } {
  let p = pointer
  while (p) {
    if (origins[p]) {
      const rest = pointer.slice(p.length).replace(/^\//, '')
      return { rule: origins[p], part: rest }
    }
    p = p.slice(0, Math.max(0, p.lastIndexOf('/')))
  }
  return { part: '' }
}

// placedFields lists the entity fields the canvas holds.
export function placedFields(rules: any[]): Set<string> {
  const out = new Set<string>()
  const walk = (rs: any[]) => { for (const r of rs || []) if (r && typeof r === 'object') { if (kindOf(r) === 'field' && fieldKeyOf(r)) out.add(fieldKeyOf(r)); walk(r.children) } }
  walk(rules)
  return out
}

// A part of the canvas put on it after the first paint: rules to append, in order, into the container whose _fc_id is
// parent (none: the canvas itself).
export interface Slice { parent?: string; rules: any[] }

// splitCanvas keeps the first `first` items (fields and texts, in reading order) of compiled rules, with every
// container they are in, and answers the rest as slices of at most `chunk` rules to append afterwards, in order. A
// canvas of many fields shows its first screen at once and fills the rest in the frames after. Containers get an
// _fc_id (the designer keeps one it is given) so that later slices find them. rules are changed in place.
export function splitCanvas(rules: any[], first: number, chunk = 25): { head: any[]; rest: Slice[] } {
  let n = 0
  let budget = first
  const rest: Slice[] = []
  const push = (parent: string | undefined, rs: any[]) => {
    for (let i = 0; i < rs.length; i += chunk) rest.push({ parent, rules: rs.slice(i, i + chunk) })
  }
  const walk = (list: any[], parent: string | undefined): any[] => {
    for (let i = 0; i < list.length; i++) {
      const r = list[i]
      if (!r || typeof r !== 'object') continue
      const k = kindOf(r)
      if (budget <= 0) { push(parent, list.slice(i)); return list.slice(0, i) }
      if (k === 'field' || k === 'text') { budget--; continue }
      if (!r._fc_id) r._fc_id = `id_morph${++n}`
      if (Array.isArray(r.children)) r.children = walk(r.children, r._fc_id)
    }
    return list
  }
  const head = walk(rules, undefined)
  return { head, rest }
}
