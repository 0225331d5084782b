// Display of field values for the UI language: dates, numbers and currency through Intl, option labels, user
// names, relation titles (from a cache filled by the pages).
import { reactive } from 'vue'
import { session, optionLabel, text, entity, type FieldDef } from './meta'
import { get } from './api'
import { formatPhone } from './phonefmt'

const locale = () => (session.lang === 'zh-CN' ? 'zh-CN' : 'en-US')

// Intl formatters are costly to make: one per language and options.
const numberFormats = new Map<string, Intl.NumberFormat>()
const dateFormats = new Map<string, Intl.DateTimeFormat>()
function numberFormat(opts?: Intl.NumberFormatOptions) {
  const key = locale() + JSON.stringify(opts || {})
  let f = numberFormats.get(key)
  if (!f) { f = new Intl.NumberFormat(locale(), opts); numberFormats.set(key, f) }
  return f
}
function dateFormat(opts: Intl.DateTimeFormatOptions) {
  const key = locale() + JSON.stringify(opts)
  let f = dateFormats.get(key)
  if (!f) { f = new Intl.DateTimeFormat(locale(), opts); dateFormats.set(key, f) }
  return f
}

// titles caches the display title of related records: "entity/id" → title.
export const titles: Record<string, string> = reactive({})

export function formatNumber(v: number, opts?: Intl.NumberFormatOptions) {
  return numberFormat(opts).format(v)
}

export function formatDate(v: string) {
  // A date is a calendar day: show it without a time zone shift.
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v)
  if (!m) return v
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]))
  return dateFormat({ year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(d)
}

export function formatDateTime(v: string) {
  const d = new Date(v)
  if (isNaN(d.getTime())) return v
  return dateFormat({ year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(d)
}

export function formatCurrency(v: { amount?: number; currency?: string } | number, fallback = 'CNY') {
  const amount = typeof v === 'number' ? v : v?.amount
  const code = (typeof v === 'object' && v?.currency) || fallback
  if (typeof amount !== 'number') return ''
  try {
    return numberFormat({ style: 'currency', currency: code, currencyDisplay: session.lang === 'zh-CN' ? 'symbol' : 'code' }).format(amount)
  } catch {
    return `${code} ${formatNumber(amount)}`
  }
}

export function formatValue(f: FieldDef | undefined, v: unknown): string {
  if (v === null || v === undefined || v === '') return ''
  if (!f) {
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return formatDateTime(v)
    if (typeof v === 'string' && session.users[v]) return session.users[v]
    return typeof v === 'object' ? JSON.stringify(v) : String(v)
  }
  switch (f.type) {
    case 'currency': return typeof v === 'object' || typeof v === 'number' ? formatCurrency(v as any, f.currency) : String(v)
    case 'number': return typeof v === 'number' ? formatNumber(v) : String(v)
    case 'integer': return typeof v === 'number' ? formatNumber(v, { maximumFractionDigits: 0 }) : String(v)
    case 'percent': return typeof v === 'number' ? formatNumber(v / 100, { style: 'percent', maximumFractionDigits: 2 }) : String(v)
    case 'boolean': return yesNo(v)
    case 'date': return formatDate(String(v))
    case 'datetime': return formatDateTime(String(v))
    case 'select': return optionLabel(f, String(v))
    case 'multiselect': case 'tags':
      return Array.isArray(v) ? v.map(x => optionLabel(f, String(x))).join(', ') : String(v)
    case 'user': return session.users[String(v)] || String(v)
    case 'relation': {
      const ids = Array.isArray(v) ? v : [v]
      return ids.map(id => titles[`${f.ref}/${id}`] || String(id)).join(', ')
    }
    case 'phone': return formatPhone(String(v))
    case 'json': return JSON.stringify(v)
    case 'formula': case 'rollup': return formatComputed(f.schema, v)
    default: return typeof v === 'object' ? JSON.stringify(v) : String(v)
  }
}

// formatComputed shows a formula's or a roll-up's value as its schema says it is: a date, a time or a number.
function formatComputed(schema: Record<string, any> | undefined, v: unknown): string {
  if (typeof v === 'string' && schema?.format === 'date-time') return formatDateTime(v)
  if (typeof v === 'string' && schema?.format === 'date') return formatDate(v)
  if (typeof v === 'number') return formatNumber(v)
  if (typeof v === 'boolean') return yesNo(v)
  if (Array.isArray(v)) return v.map(String).join(', ')
  return typeof v === 'object' ? JSON.stringify(v) : String(v)
}

function yesNo(v: unknown): string {
  return v ? (session.lang === 'zh-CN' ? '是' : 'Yes') : (session.lang === 'zh-CN' ? '否' : 'No')
}

// rememberTitles stores the titles of the related records that a page of records expanded (expand=…).
export function rememberTitles(entityName: string, items: Record<string, any>[]) {
  const e = entity(entityName)
  if (!e) return
  for (const r of items) {
    const ex = r._expand
    if (!ex) continue
    for (const [key, val] of Object.entries<any>(ex)) {
      const f = e.byKey[key]
      if (!f?.ref) continue
      const refDef = entity(f.ref)
      for (const rec of Array.isArray(val) ? val : [val]) {
        if (rec?.id) titles[`${f.ref}/${rec.id}`] = String(rec[refDef?.titleField || 'name'] ?? rec.id)
      }
    }
  }
}

// loadTitles fetches the titles of the related records that the values of an entity's relation fields name and
// the cache lacks (the audit log and a record's history hold ids only): a request per related entity and 100 ids,
// only the title field. A record the caller may not read, or that is gone, keeps showing its id (and is not asked
// for again).
export async function loadTitles(entityName: string, values: Record<string, unknown>[]) {
  const e = entity(entityName)
  if (!e) return
  const wanted = new Map<string, Set<string>>()
  for (const v of values) {
    for (const [key, val] of Object.entries(v || {})) {
      const f = e.byKey[key]
      if (f?.type !== 'relation' || !f.ref) continue
      for (const id of Array.isArray(val) ? val : [val]) {
        if (typeof id !== 'string' || !id || titles[`${f.ref}/${id}`] !== undefined) continue
        if (!wanted.has(f.ref)) wanted.set(f.ref, new Set())
        wanted.get(f.ref)!.add(id)
      }
    }
  }
  await Promise.all([...wanted].map(([ref, set]) => loadRecordTitles(ref, [...set])))
}

// loadRecordTitles fetches into the cache the titles of the records of an entity with the given ids that it
// lacks: a request per 100 ids, only the title field; an id that cannot be read keeps showing as itself.
export async function loadRecordTitles(ref: string, ids: string[]) {
  const title = entity(ref)?.titleField || 'name'
  ids = [...new Set(ids)].filter(id => id && titles[`${ref}/${id}`] === undefined)
  const asks: Promise<void>[] = []
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100)
    asks.push(get<{ items: Record<string, any>[] }>(`/api/records/${encodeURIComponent(ref)}`, {
      filter: `id in ${JSON.stringify(chunk)}`, fields: title, limit: chunk.length,
    }).then(r => {
      for (const rec of r.items) titles[`${ref}/${rec.id}`] = recordTitle(ref, rec)
    }, () => { /* the entity cannot be read: the ids stay */ }).finally(() => {
      for (const id of chunk) titles[`${ref}/${id}`] ??= id
    }))
  }
  await Promise.all(asks)
}

// auditActor names who made an audit entry: the user, by the name they had then, or the engine's own work, a
// workflow rule's (by its name) or the system's.
export function auditActor(e: { actor?: string; actor_name?: string; via?: string }): string {
  const zh = session.lang === 'zh-CN'
  if (e.actor === 'system') {
    if (e.via === 'workflow' && e.actor_name?.startsWith('workflow ')) return (zh ? '工作流 ' : 'Workflow ') + e.actor_name.slice(9)
    return zh ? '系统' : 'System'
  }
  return e.actor_name || session.users[e.actor || ''] || e.actor || ''
}

export function recordTitle(entityName: string, r: Record<string, any>): string {
  const e = entity(entityName)
  const v = r?.[e?.titleField || 'name']
  return v === undefined || v === null || v === '' ? String(r?.id ?? '') : String(v)
}

export { text }
