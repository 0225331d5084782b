// Display of field values for the UI language: dates, numbers and currency through Intl, option labels, user
// names, relation titles (from a cache filled by the pages).
import { reactive } from 'vue'
import { session, optionLabel, text, entity, type FieldDef } from './meta'

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
    case 'boolean': return v ? (session.lang === 'zh-CN' ? '是' : 'Yes') : (session.lang === 'zh-CN' ? '否' : 'No')
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
    case 'json': return JSON.stringify(v)
    default: return typeof v === 'object' ? JSON.stringify(v) : String(v)
  }
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

export function recordTitle(entityName: string, r: Record<string, any>): string {
  const e = entity(entityName)
  const v = r?.[e?.titleField || 'name']
  return v === undefined || v === null || v === '' ? String(r?.id ?? '') : String(v)
}

export { text }
