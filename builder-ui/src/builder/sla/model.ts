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
