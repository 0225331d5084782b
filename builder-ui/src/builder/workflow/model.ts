// The workflow rule document as the server keeps it (workflow/rule.go), the editor's working form of it, and the
// conversions between the two; the server's field errors keyed by JSON pointer.
import { ApiError } from '../../api'

export type TextDoc = { en?: string; 'zh-CN'?: string }

export interface TriggerDoc {
  type: string
  fields?: string[] // updated
  to?: string // updated
  field?: string // date
  offset?: string // date
  cron?: string // schedule
  timezone?: string // schedule
  filter?: string // schedule
}

export interface ActionDoc {
  type: string
  values?: Record<string, string>
  after?: boolean
  entity?: string
  message?: TextDoc
  to?: string
  subject?: TextDoc
  body?: TextDoc
  language?: string
  field?: string
  strategy?: string
  team?: string
  role?: string
  url?: string
  secret?: string
}

export interface RuleDoc {
  name: string
  label?: TextDoc
  entity: string
  active?: boolean
  trigger: TriggerDoc
  when?: string
  actions: ActionDoc[]
}

export interface RuleSummary {
  name: string; label: TextDoc; entity?: string; active: boolean; valid: boolean; version: number; document: RuleDoc
}

export const triggerTypes = ['created', 'updated', 'deleted', 'date', 'schedule'] as const
export const actionTypes = ['set', 'create', 'notify', 'assign', 'email', 'webhook', 'reject'] as const
export const known = (list: readonly string[], v: string) => list.includes(v)

// The stand-in the server sends for a webhook's secret; sent back unchanged it keeps the stored one.
export const redacted = '********'

export interface ValueRow { field: string; expr: string }

// EditAction is one action as the editor holds it: every type's settings side by side, so that changing the type
// back and forth loses nothing; documentOf keeps only the type's own.
export interface EditAction {
  key: number
  type: string
  rows: ValueRow[]
  after: boolean
  entity: string
  to: string
  msgEn: string; msgZh: string
  subjEn: string; subjZh: string
  bodyEn: string; bodyZh: string
  language: string
  field: string
  strategy: string
  among: 'team' | 'role'
  team: string
  role: string
  url: string
  secret: string // what was typed; '' with hasSecret keeps the stored one
  hasSecret: boolean // the stored action has a secret
  savedURL: string // the stored action's URL (the server keeps a secret by URL)
  raw: ActionDoc // the action as loaded: an action type this editor does not know is sent back as it came
}

let nextKey = 1

export function blankAction(type = 'notify'): EditAction {
  return {
    key: nextKey++, type, rows: [{ field: '', expr: '' }], after: false, entity: '', to: '', msgEn: '', msgZh: '',
    subjEn: '', subjZh: '', bodyEn: '', bodyZh: '', language: 'en', field: 'owner', strategy: 'round_robin',
    among: 'role', team: '', role: '', url: '', secret: '', hasSecret: false, savedURL: '', raw: { type },
  }
}

export function editAction(a: ActionDoc): EditAction {
  const e = blankAction(a.type)
  e.rows = Object.entries(a.values || {}).map(([field, expr]) => ({ field, expr }))
  if (!e.rows.length) e.rows = [{ field: '', expr: '' }]
  e.after = !!a.after
  e.entity = a.entity || ''
  e.to = a.to || ''
  const msg = a.message || {}
  e.msgEn = msg.en || ''
  e.msgZh = msg['zh-CN'] || ''
  e.subjEn = a.subject?.en || ''
  e.subjZh = a.subject?.['zh-CN'] || ''
  e.bodyEn = a.body?.en || ''
  e.bodyZh = a.body?.['zh-CN'] || ''
  e.language = a.language || 'en'
  if (a.type === 'assign') e.field = a.field || 'owner'
  e.strategy = a.strategy || 'round_robin'
  e.among = a.team ? 'team' : 'role'
  e.team = a.team || ''
  e.role = a.role || ''
  e.url = a.url || ''
  e.savedURL = a.url || ''
  e.hasSecret = !!a.secret
  e.raw = a
  return e
}

function textDoc(en: string, zh: string): TextDoc {
  const t: TextDoc = {}
  if (en.trim()) t.en = en
  if (zh.trim()) t['zh-CN'] = zh
  return t
}

// actionDoc is the document of one action: only its type's keys, empty values left out (the server says what is
// missing, at its place).
export function actionDoc(a: EditAction): ActionDoc {
  const d: ActionDoc = { type: a.type }
  const values = () => {
    const v: Record<string, string> = {}
    for (const r of a.rows) if (r.field || r.expr.trim()) v[r.field] = r.expr.trim()
    return v
  }
  switch (a.type) {
    case 'set':
      d.values = values()
      if (a.after) d.after = true
      break
    case 'create':
      d.entity = a.entity
      d.values = values()
      break
    case 'reject':
      d.message = textDoc(a.msgEn, a.msgZh)
      break
    case 'notify':
      d.to = a.to.trim()
      d.message = textDoc(a.msgEn, a.msgZh)
      break
    case 'email':
      d.to = a.to.trim()
      d.subject = textDoc(a.subjEn, a.subjZh)
      d.body = textDoc(a.bodyEn, a.bodyZh)
      if (a.language && a.language !== 'en') d.language = a.language
      break
    case 'assign':
      d.field = a.field
      d.strategy = a.strategy || 'round_robin'
      if (a.among === 'team') d.team = a.team
      else d.role = a.role
      break
    case 'webhook':
      d.url = a.url.trim()
      if (a.secret) d.secret = a.secret
      else if (a.hasSecret) d.secret = redacted
      break
    default:
      if (a.raw.type === a.type) return { ...a.raw }
  }
  return d
}

// pointer escapes a key for a JSON pointer.
export const pointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1')

// errorsByPath maps the server's field errors to their JSON pointers, each message with the place inside the
// expression when the server gives one; an error without fields comes back under ''.
// A message the server already ends with its position ("(at character 5)", "（第 5 个字符处）") keeps it; another
// gets the position of its offset, counted from 1.
const positioned = /(\(at character \d+\)|（第 \d+ 个字符处）)$/
export function withPosition(message: string, offset: number | undefined, at: (n: number) => string): string {
  if (typeof offset !== 'number' || offset < 0 || positioned.test(message)) return message
  return `${message} (${at(offset + 1)})`
}

export function errorsByPath(e: unknown, at: (n: number) => string): Record<string, string> {
  const out: Record<string, string> = {}
  if (e instanceof ApiError) {
    for (const f of e.fields as (typeof e.fields[number] & { offset?: number })[]) {
      const msg = withPosition(f.message, f.offset, at)
      out[f.path] = out[f.path] ? `${out[f.path]}; ${msg}` : msg
    }
    if (!e.fields.length) out[''] = e.message
  } else {
    out[''] = String((e as Error)?.message || e)
  }
  return out
}

// under returns the messages at path and below it, joined: what a part of the form shows of the server's errors.
export function under(errs: Record<string, string>, path: string): string {
  return Object.entries(errs).filter(([p]) => p === path || p.startsWith(path + '/')).map(([, m]) => m).join('; ')
}

// versionOf reads a version from an ETag ("3" or W/"3").
export const versionOf = (etag: string | null) => Number((etag || '').replace(/\D/g, '')) || 0

export const offsetRE = /^(0|[+-]?\d{1,7}[mhdw])$/
export const cronRE = /^\S+(\s+\S+){4}$/
export const nameRE = /^[a-z][a-z0-9_]{0,62}$/

// timeZones lists the IANA time zones the browser knows (a few common ones when it cannot say).
export function timeZones(): string[] {
  const f = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf
  const list = f ? f('timeZone') : []
  const common = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Singapore', 'Asia/Tokyo', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'UTC']
  return [...new Set([...common, ...list])]
}
