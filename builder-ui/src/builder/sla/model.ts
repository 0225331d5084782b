// The SLA policy document as the server keeps it (sla/policy.go) and the record fields a policy maintains.
import type { TextDoc } from '../workflow/model'

export interface TargetDoc { response: number; resolution: number }

export interface PolicyDoc {
  name: string
  label?: TextDoc
  entity: string
  active?: boolean
  calendar?: string // '' or absent: the default calendar
  priority?: string // a select field of the entity; absent: every record has the "*" target
  targets: Record<string, TargetDoc>
  start?: string
  pause_when?: string
  responded_when: string
  resolved_when: string
  fields: Record<string, string>
}

export interface PolicySummary {
  name: string; label: TextDoc; entity?: string; active: boolean; valid: boolean; version: number; document: PolicyDoc
}

// The target that applies to every priority option without its own (and to records without a priority).
export const anyPriority = '*'

// The calendar a policy without one counts on.
export const defaultCalendar = 'default'

// MaintainedField is one of the fields a policy writes: its key in the document's "fields", the kind of value
// (deadline, when it was met, working hours left while paused), the target it belongs to and the field type it needs.
export interface MaintainedField { key: string; kind: 'due' | 'met_at' | 'remaining'; target: 'response' | 'resolution'; type: string; required: boolean }

export const maintained: MaintainedField[] = (['due', 'met_at', 'remaining'] as const).flatMap(kind =>
  (['response', 'resolution'] as const).map(target => ({
    key: `${target}_${kind}`, kind, target, type: kind === 'remaining' ? 'number' : 'datetime', required: kind !== 'remaining',
  })))

export const breachedKey = 'breached'

export const maxHours = 100000

export type Hours = number | null | undefined

// PolicyEdit is a policy as the editor holds it: labels apart, the calendar always named ("default" for the
// document without one), targets with hours that may be empty, the conditions and the kept fields; start (the
// only other key of a document) is sent back as it came.
export interface PolicyEdit {
  name: string; en: string; zh: string; entity: string; active: boolean; calendar: string; priority: string
  targets: Record<string, { response: Hours; resolution: Hours }>
  pause: string; responded: string; resolved: string
  fields: Record<string, string>
  start?: string
}

export const filled = (v: Hours): v is number => typeof v === 'number' && !Number.isNaN(v)

export function editPolicy(doc: PolicyDoc): PolicyEdit {
  const e: PolicyEdit = {
    name: doc.name || '', en: doc.label?.en || '', zh: doc.label?.['zh-CN'] || '', entity: doc.entity || '',
    active: doc.active !== false, calendar: doc.calendar || defaultCalendar, priority: doc.priority || '',
    targets: Object.fromEntries(Object.entries(doc.targets || {}).map(([k, v]) => [k, { response: v.response, resolution: v.resolution }])),
    pause: doc.pause_when || '', responded: doc.responded_when || '', resolved: doc.resolved_when || '',
    fields: { ...(doc.fields || {}) },
  }
  if (doc.start !== undefined) e.start = doc.start
  return e
}

// policyDoc is the document to save: targets with both hours only (the editor refuses a half-filled row before
// sending), the kept fields that are chosen, empty parts left out, the default calendar as no calendar.
export function policyDoc(w: PolicyEdit): PolicyDoc {
  const targets: PolicyDoc['targets'] = {}
  for (const [k, v] of Object.entries(w.targets)) {
    if (filled(v.response) && filled(v.resolution)) targets[k] = { response: v.response, resolution: v.resolution }
  }
  const fields: Record<string, string> = {}
  for (const m of [...maintained.map(m => m.key), breachedKey]) if (w.fields[m]) fields[m] = w.fields[m]
  const doc: PolicyDoc = { name: w.name.trim(), entity: w.entity, active: w.active, targets, responded_when: w.responded.trim(), resolved_when: w.resolved.trim(), fields }
  const label: TextDoc = {}
  if (w.en.trim()) label.en = w.en.trim()
  if (w.zh.trim()) label['zh-CN'] = w.zh.trim()
  if (Object.keys(label).length) doc.label = label
  if (w.calendar && w.calendar !== defaultCalendar) doc.calendar = w.calendar
  if (w.priority) doc.priority = w.priority
  if (w.start !== undefined) doc.start = w.start
  if (w.pause.trim()) doc.pause_when = w.pause.trim()
  return doc
}
