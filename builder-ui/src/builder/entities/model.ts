// The entity designer's working copy of a definition: an entity document (JSON Schema with Morph's x- vocabulary)
// read into plain objects the screens edit, and written back. Whatever the designer does not edit (a field's pattern or
// x-mask, a currency's amount limits …) is kept as it was.

export const fieldTypes = [
  'text', 'textarea', 'number', 'integer', 'percent', 'currency', 'date', 'datetime', 'boolean', 'select', 'multiselect',
  'tags', 'phone', 'email', 'url', 'user', 'relation', 'autonumber', 'formula', 'rollup', 'json',
] as const

export const rollupAggs = ['count', 'sum', 'min', 'max', 'avg'] as const

export interface RollupModel { from: string; via: string; agg: string; field: string; where: string }

export const formulaResults = ['number', 'integer', 'boolean', 'string', 'date', 'date-time', 'strings'] as const

// The icons an entity may have (Element Plus icon names, kebab-case as x-icon stores them).
export const icons = [
  'user', 'user-filled', 'avatar', 'office-building', 'shop', 'goods', 'shopping-cart', 'box', 'van', 'document',
  'tickets', 'memo', 'notebook', 'collection', 'briefcase', 'suitcase', 'money', 'wallet', 'phone', 'chat-dot-round',
  'calendar', 'location', 'star', 'flag', 'trophy', 'medal', 'service', 'promotion',
] as const

export const optionColors = ['#2456c8', '#2e7d32', '#c62828', '#b26a00', '#6a1b9a', '#00838f', '#5b5f66', '#ad1457', '#c09000', '#8d6e63']

const reserved = new Set(['and', 'or', 'not', 'in', 'matches', 'contains', 'let', 'if', 'else', 'true', 'false', 'nil',
  'user', 'old', 'now', 'today'])
const systemKeys = new Set(['id', 'version', 'created_at', 'created_by', 'updated_at', 'updated_by'])
export const entityNameRE = /^[a-z][a-z0-9_]{0,39}$/
export const fieldKeyRE = /^[a-z][a-z0-9_]{0,62}$/

export interface OptionModel { value: string; en: string; zh: string; color: string }

// A validation rule (x-rules): when `when` holds, the record is wrong; the message (en, zh-CN) shows at the fields.
export interface RuleModel { uid: number; name: string; when: string; fields: string[]; en: string; zh: string; description: string }
export const ruleNameRE = /^[a-z][a-z0-9_]{0,62}$/

export interface FieldModel {
  uid: number
  key: string
  storedKey: string // the key in the saved definition; '' for a field not saved yet
  storedType: string
  type: string
  en: string
  zh: string
  required: boolean
  unique: boolean
  indexed: boolean
  personal: boolean
  def: any // the default value (undefined: none)
  defExpr: string // a default computed by an expression (x-default-expr), instead of def
  options: OptionModel[]
  ref: string
  many: boolean
  currency: string
  region: string
  prefix: string
  digits: number | undefined
  expr: string
  result: string // a formula's result type (formulaResults)
  rollup: RollupModel
  maxLength: number | undefined
  minimum: number | undefined
  maximum: number | undefined
  original: Record<string, any> // the property as saved, for what the designer leaves alone
}

export interface IndexPart { field: string; desc: boolean }

export interface EntityModel {
  name: string
  stored: boolean
  version: number
  en: string
  zh: string
  icon: string
  titleField: string
  fields: FieldModel[]
  indexes: IndexPart[][]
  rules: RuleModel[]
  original: Record<string, any>
}

let uidSeq = 0

function labelParts(p: Record<string, any>): { en: string; zh: string } {
  const l = p['x-label']
  const en = (l && typeof l === 'object' && l.en) || (typeof p.title === 'string' ? p.title : '') || ''
  const zh = (l && typeof l === 'object' && (l['zh-CN'] || l.zh)) || ''
  return { en, zh }
}

function jsonType(p: Record<string, any>): string {
  if (typeof p.type === 'string') return p.type
  if (Array.isArray(p.type)) return p.type.find((t: string) => t !== 'null') || ''
  return ''
}

export function resultOf(p: Record<string, any>): string {
  const t = jsonType(p)
  if (t === 'string' && (p.format === 'date' || p.format === 'date-time')) return p.format
  if (t === 'array') return 'strings'
  return t || 'number'
}

export function newField(type = 'text', key = ''): FieldModel {
  return {
    uid: ++uidSeq, key, storedKey: '', storedType: '', type, en: '', zh: '', required: false, unique: false, indexed: false,
    personal: false, def: undefined, defExpr: '', options: [], ref: '', many: false, currency: 'CNY', region: '', prefix: '',
    digits: type === 'autonumber' ? 6 : undefined, expr: '', result: 'number', maxLength: undefined, minimum: undefined,
    maximum: undefined, original: {}, rollup: { from: '', via: '', agg: 'count', field: '', where: '' },
  }
}

export function fieldFromProperty(key: string, p: Record<string, any>, required: boolean): FieldModel {
  const f = newField(p['x-type'] || 'text', key)
  const { en, zh } = labelParts(p)
  const enumValues: any[] = (f.type === 'multiselect' ? p.items?.enum : p.enum) || []
  const optLabels = p['x-options'] || {}
  const colors = p['x-colors'] || {}
  Object.assign(f, {
    storedKey: key, storedType: f.type, en, zh, required, unique: p['x-unique'] === true, indexed: p['x-indexed'] === true,
    personal: p['x-personal'] === true, def: p.default, defExpr: typeof p['x-default-expr'] === 'string' ? p['x-default-expr'] : '',
    options: enumValues.filter(v => typeof v === 'string').map(v => ({
      value: v, en: optLabels[v]?.en || '', zh: optLabels[v]?.['zh-CN'] || optLabels[v]?.zh || '', color: colors[v] || '',
    })),
    ref: p['x-ref'] || '', many: p['x-many'] === true, currency: p['x-currency'] || '', region: p['x-region'] || '',
    prefix: p['x-autonumber']?.prefix || '', digits: p['x-autonumber']?.digits, expr: p['x-expr'] || '', result: resultOf(p),
    maxLength: typeof p.maxLength === 'number' ? p.maxLength : undefined,
    minimum: typeof p.minimum === 'number' ? p.minimum : undefined,
    maximum: typeof p.maximum === 'number' ? p.maximum : undefined,
    rollup: { from: p['x-rollup']?.from || '', via: p['x-rollup']?.via || '', agg: p['x-rollup']?.agg || 'count',
      field: p['x-rollup']?.field || '', where: p['x-rollup']?.where || '' },
    original: p,
  })
  return f
}

export function entityFromDefinition(name: string, def: Record<string, any>, version: number): EntityModel {
  const required = new Set<string>(def.required || [])
  const { en, zh } = labelParts(def)
  return {
    name, stored: true, version, en, zh, icon: def['x-icon'] || '', titleField: def['x-title-field'] || '',
    fields: Object.entries<any>(def.properties || {}).map(([k, p]) => fieldFromProperty(k, p, required.has(k))),
    indexes: (Array.isArray(def['x-indexes']) ? def['x-indexes'] : []).map((ix: string[]) =>
      ix.map(s => ({ field: s.replace(/^-/, ''), desc: s.startsWith('-') }))),
    rules: (Array.isArray(def['x-rules']) ? def['x-rules'] : []).map((r: any) => ({
      uid: ++uidSeq, name: r?.name || '', when: r?.when || '', fields: Array.isArray(r?.fields) ? [...r.fields] : [],
      en: r?.message?.en || '', zh: r?.message?.['zh-CN'] || '', description: r?.description || '',
    })),
    original: def,
  }
}

export function newEntity(): EntityModel {
  const name = newField('text', 'name')
  name.en = 'Name'
  name.zh = '名称'
  name.required = true
  name.maxLength = 200
  return { name: '', stored: false, version: 0, en: '', zh: '', icon: '', titleField: 'name', fields: [name], indexes: [], rules: [], original: {} }
}

export function newRule(): RuleModel {
  return { uid: ++uidSeq, name: '', when: '', fields: [], en: '', zh: '', description: '' }
}

// Keys of a property that the designer writes; the rest of a saved property is kept while its type stays.
const managed = ['type', 'x-type', 'x-label', 'enum', 'items', 'uniqueItems', 'x-options', 'x-colors', 'x-ref',
  'x-many', 'x-currency', 'x-region', 'x-autonumber', 'x-expr', 'format', 'default', 'x-unique', 'x-indexed',
  'x-personal', 'maxLength', 'minimum', 'maximum', 'x-rollup', 'x-default-expr']

function label(en: string, zh: string): Record<string, string> | undefined {
  const l: Record<string, string> = {}
  if (en.trim()) l.en = en.trim()
  if (zh.trim()) l['zh-CN'] = zh.trim()
  return Object.keys(l).length ? l : undefined
}

// hasDefault tells whether a type takes a default value in the designer.
export function hasDefault(type: string): boolean {
  return !['autonumber', 'formula', 'rollup', 'relation', 'user', 'currency', 'json'].includes(type)
}

// hasDefaultExpr tells whether a type takes a default computed by an expression (a user field: user.id).
export function hasDefaultExpr(type: string): boolean {
  return !['autonumber', 'formula', 'rollup', 'json'].includes(type)
}

export function toProperty(f: FieldModel): Record<string, any> {
  const sameType = f.storedKey !== '' && f.storedType === f.type
  const p: Record<string, any> = {}
  if (sameType) {
    for (const [k, v] of Object.entries(f.original)) if (!managed.includes(k)) p[k] = v
  } else {
    for (const k of ['description', 'x-mask']) if (f.original[k] !== undefined) p[k] = f.original[k]
  }
  p['x-type'] = f.type
  const l = label(f.en, f.zh)
  if (l) p['x-label'] = l
  const num = (k: string, v: number | undefined) => { if (typeof v === 'number' && Number.isFinite(v)) p[k] = v }
  // set gives a new field of the type the setting's usual value; a saved field keeps its own (or none).
  const set = (k: string, v: any) => {
    if (!sameType) p[k] = v
    else if (f.original[k] !== undefined) p[k] = f.original[k]
  }
  // keep keeps a saved setting the designer does not show.
  const keep = (k: string) => { if (sameType && f.original[k] !== undefined) p[k] = f.original[k] }
  switch (f.type) {
    case 'text': case 'textarea':
      p.type = 'string'; num('maxLength', f.maxLength); break
    case 'number': case 'integer': case 'percent':
      p.type = f.type === 'integer' ? 'integer' : 'number'; num('minimum', f.minimum); num('maximum', f.maximum); break
    case 'currency':
      p.type = 'object'; if (f.currency) p['x-currency'] = f.currency; break
    case 'date': p.type = 'string'; p.format = 'date'; break
    case 'datetime': p.type = 'string'; p.format = 'date-time'; break
    case 'json': p.type = 'object'; keep('properties'); keep('required'); keep('additionalProperties'); break
    case 'boolean': p.type = 'boolean'; break
    case 'select': case 'multiselect': {
      const values = f.options.map(o => o.value)
      if (f.type === 'select') {
        p.type = 'string'; p.enum = values
      } else {
        p.type = 'array'; p.items = { type: 'string', enum: values }; p.uniqueItems = true
      }
      const labels: Record<string, any> = {}
      const colors: Record<string, string> = {}
      for (const o of f.options) {
        const ol = label(o.en, o.zh)
        if (ol) labels[o.value] = ol
        if (o.color) colors[o.value] = o.color
      }
      if (Object.keys(labels).length) p['x-options'] = labels
      if (Object.keys(colors).length) p['x-colors'] = colors
      break
    }
    case 'tags': p.type = 'array'; set('items', { type: 'string', maxLength: 50 }); if (!sameType) p.maxItems = 50; break
    case 'phone': p.type = 'string'; set('maxLength', 32); if (f.region) p['x-region'] = f.region; break
    case 'email': p.type = 'string'; p.format = 'email'; set('maxLength', 254); break
    case 'url': p.type = 'string'; set('format', 'uri'); set('maxLength', 2048); break
    case 'user': p.type = 'string'; set('maxLength', 128); break
    case 'relation': {
      p['x-ref'] = f.ref
      const sameShape = sameType && (f.original['x-many'] === true) === f.many
      if (f.many) {
        p['x-many'] = true; p.type = 'array'; p.items = sameShape && f.original.items ? f.original.items : { type: 'string', maxLength: 64 }
      } else {
        p.type = 'string'; p.maxLength = sameShape && f.original.maxLength !== undefined ? f.original.maxLength : 64; delete p.maxItems
      }
      break
    }
    case 'autonumber': {
      p.type = 'string'; set('readOnly', true)
      const a: Record<string, any> = {}
      if (f.prefix) a.prefix = f.prefix
      if (typeof f.digits === 'number') a.digits = f.digits
      p['x-autonumber'] = a
      break
    }
    case 'formula':
      set('readOnly', true); p['x-expr'] = f.expr
      if (f.result === 'date' || f.result === 'date-time') { p.type = 'string'; p.format = f.result } else if (f.result === 'strings') { p.type = 'array'; p.items = { type: 'string' } } else p.type = f.result
      break
    case 'rollup': {
      set('readOnly', true)
      const r: Record<string, string> = { from: f.rollup.from, via: f.rollup.via, agg: f.rollup.agg }
      if (f.rollup.agg !== 'count' && f.rollup.field) r.field = f.rollup.field
      if (f.rollup.where.trim()) r.where = f.rollup.where.trim()
      p['x-rollup'] = r
      // min and max of a date keep the date's type; everything else is a number.
      if ((f.rollup.agg === 'min' || f.rollup.agg === 'max') && (f.result === 'date' || f.result === 'date-time')) { p.type = 'string'; p.format = f.result } else p.type = 'number'
      break
    }
  }
  // A nullable type (["string", "null"]) stays nullable.
  if (sameType && Array.isArray(f.original.type) && f.original.type.includes(p.type)) p.type = f.original.type
  if (sameType && f.type === 'select' && Array.isArray(f.original.enum) && f.original.enum.includes(null)) p.enum.push(null)
  if (f.unique && f.type !== 'formula' && f.type !== 'rollup') p['x-unique'] = true
  if (f.indexed) p['x-indexed'] = true
  if (f.personal) p['x-personal'] = true
  if (f.defExpr.trim() && hasDefaultExpr(f.type)) {
    p['x-default-expr'] = f.defExpr.trim()
  } else if (f.def !== undefined && f.def !== '' && f.def !== null && !(Array.isArray(f.def) && !f.def.length)) {
    if (hasDefault(f.type)) p.default = f.def
    else if (sameType && f.original.default !== undefined) p.default = f.original.default
  }
  return p
}

const entityManaged = ['$id', 'title', 'x-label', 'x-icon', 'x-title-field', 'properties', 'required', 'x-indexes', 'type', 'x-rules']

export function toDefinition(m: EntityModel): Record<string, any> {
  const d: Record<string, any> = { $id: m.name }
  const l = label(m.en, m.zh)
  if (l) { d.title = l.en || m.name; d['x-label'] = l }
  d.type = 'object'
  if (m.icon) d['x-icon'] = m.icon
  const props: Record<string, any> = {}
  const required: string[] = []
  for (const f of m.fields) {
    props[f.key] = toProperty(f)
    if (f.required) required.push(f.key)
  }
  d.properties = props
  if (required.length) d.required = required
  if (m.titleField && m.fields.some(f => f.key === m.titleField)) d['x-title-field'] = m.titleField
  const ix = m.indexes.filter(i => i.length).map(i => i.map(p => (p.desc ? '-' : '') + p.field))
  if (ix.length) d['x-indexes'] = ix
  if (m.rules.length) {
    d['x-rules'] = m.rules.map(r => {
      const out: Record<string, any> = { name: r.name.trim(), when: r.when.trim() }
      const msg = label(r.en, r.zh)
      if (msg) out.message = msg
      if (r.fields.length) out.fields = [...r.fields]
      if (r.description.trim()) out.description = r.description.trim()
      return out
    })
  }
  for (const [k, v] of Object.entries(m.original)) if (!entityManaged.includes(k)) d[k] = v
  return d
}

// A problem the designer finds before asking the server, keyed as the server keys its own (a JSON pointer into the
// definition) so both show in the same places.
export interface Problem { path: string; message: string }

type Msg = (key: string, args?: Record<string, unknown>) => string

export function check(m: EntityModel, t: Msg): Problem[] {
  const out: Problem[] = []
  if (!entityNameRE.test(m.name)) out.push({ path: '/$id', message: t('entities.err.name') })
  if (!m.en.trim() && !m.zh.trim()) out.push({ path: '/x-label', message: t('entities.err.label') })
  if (!m.fields.length) out.push({ path: '/properties', message: t('entities.err.noFields') })
  const seen = new Set<string>()
  m.fields.forEach(f => {
    const at = '/properties/' + f.key
    if (!fieldKeyRE.test(f.key)) out.push({ path: `/fields/${f.uid}/key`, message: t('entities.err.key') })
    else if (reserved.has(f.key)) out.push({ path: `/fields/${f.uid}/key`, message: t('entities.err.reserved', { key: f.key }) })
    else if (systemKeys.has(f.key) || (f.key === 'owner' && f.type !== 'user')) out.push({ path: `/fields/${f.uid}/key`, message: t('entities.err.system', { key: f.key }) })
    else if (seen.has(f.key)) out.push({ path: `/fields/${f.uid}/key`, message: t('entities.err.duplicate', { key: f.key }) })
    seen.add(f.key)
    if (f.type === 'select' || f.type === 'multiselect') {
      if (!f.options.length) out.push({ path: at + (f.type === 'select' ? '/enum' : '/items'), message: t('entities.err.noOptions') })
      const vals = new Set<string>()
      f.options.forEach((o, i) => {
        const path = at + (f.type === 'select' ? '/enum/' : '/items/enum/') + i
        if (!o.value.trim()) out.push({ path, message: t('entities.err.optionValue') })
        else if (vals.has(o.value)) out.push({ path, message: t('entities.err.optionDuplicate', { value: o.value }) })
        vals.add(o.value)
      })
    }
    if (f.type === 'relation' && !f.ref) out.push({ path: at + '/x-ref', message: t('entities.err.ref') })
    if (f.type === 'formula' && !f.expr.trim()) out.push({ path: at + '/x-expr', message: t('entities.err.expr') })
    if (f.type === 'rollup' && (!f.rollup.from || !f.rollup.via || (f.rollup.agg !== 'count' && !f.rollup.field))) {
      out.push({ path: at + '/x-rollup', message: t('entities.err.rollup') })
    }
    if (f.type === 'currency' && f.currency && !/^[A-Z]{3}$/.test(f.currency)) out.push({ path: at + '/x-currency', message: t('entities.err.currency') })
  })
  const ruleNames = new Set<string>()
  m.rules.forEach((r, i) => {
    const at = `/x-rules/${i}`
    if (!ruleNameRE.test(r.name.trim())) out.push({ path: at + '/name', message: t('entities.err.ruleName') })
    else if (ruleNames.has(r.name.trim())) out.push({ path: at + '/name', message: t('entities.err.ruleDuplicate', { name: r.name.trim() }) })
    ruleNames.add(r.name.trim())
    if (!r.when.trim()) out.push({ path: at + '/when', message: t('entities.err.ruleWhen') })
    if (!r.en.trim()) out.push({ path: at + '/message/en', message: t('entities.err.ruleMessage') })
    r.fields.forEach((k, j) => { if (!seen.has(k)) out.push({ path: `${at}/fields/${j}`, message: t('entities.err.ruleField', { key: k }) }) })
  })
  m.indexes.forEach((ix, i) => {
    if (!ix.length || ix.some(p => !seen.has(p.field))) out.push({ path: `/x-indexes/${i}`, message: t('entities.err.index') })
  })
  return out
}

// fieldOfPath finds the field a JSON pointer into the definition is about, and the rest of the pointer:
// "/properties/level/enum/1" → level, "/enum/1"; "/required/2" → the third required field.
export function fieldOfPath(m: EntityModel, path: string): { field?: FieldModel; rest: string } {
  const parts = path.split('/')
  if (parts[1] === 'fields') {
    return { field: m.fields.find(f => String(f.uid) === parts[2]), rest: '/' + parts.slice(3).join('/') }
  }
  if (parts[1] === 'properties' && parts.length > 2) {
    const key = parts[2].replace(/~1/g, '/').replace(/~0/g, '~')
    return { field: m.fields.find(f => f.key === key), rest: parts.length > 3 ? '/' + parts.slice(3).join('/') : '' }
  }
  if (parts[1] === 'required' && parts.length > 2) {
    const req = m.fields.filter(f => f.required)
    return { field: req[Number(parts[2])], rest: '/required' }
  }
  return { rest: path }
}
