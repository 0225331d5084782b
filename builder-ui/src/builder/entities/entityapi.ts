// The designer's calls to the server: the plan of a change, the live check of a formula, records holding a field.
import { request, listRecords, ApiError } from '../../api'
import { toDefinition, resultOf, type EntityModel, type FieldModel } from './model'

export interface FieldChange {
  field: string; label: { en: string; zh: string } | Record<string, string>; type: string; from?: string
  changes?: string[]; holding: number; incompatible: number
}

export interface Plan {
  entity: string; create: boolean; version: number; records: number
  added: FieldChange[]; removed: FieldChange[]; changed: FieldChange[]
  indexesAdded: string[]; indexesDropped: string[]; layouts: string[]; views: number
  needsForce: boolean; recompute: boolean
}

export async function planOf(m: EntityModel): Promise<Plan> {
  const r = await request<Plan>(`/api/entities/${encodeURIComponent(m.name)}/plan`, { method: 'POST', body: toDefinition(m) })
  return r.data
}

// save writes the definition (If-Match with the version it was read at) and answers the stored one and its version.
export async function saveEntity(m: EntityModel, force: boolean): Promise<{ def: any; version: number }> {
  const r = await request<any>(`/api/entities/${encodeURIComponent(m.name)}`, {
    method: 'PUT', body: toDefinition(m), ifMatch: m.stored ? m.version : undefined, query: force ? { force: 'true' } : undefined,
  })
  return { def: r.data, version: Number((r.etag || '').replace(/\D/g, '')) || 0 }
}

export async function holding(entity: string, key: string): Promise<number> {
  const p = await listRecords(entity, { filter: `${key} != nil`, count: true, limit: 1, fields: 'id' })
  return p.total ?? 0
}

export interface ExprResult { ok: boolean; type?: string; message?: string; offset?: number }

// checkExpression checks an expression of the definition — a formula, a rule's condition, a field's default (kind) —
// through the expression check of the server when the entity and its fields are saved as they are here; through the
// plan of the whole definition otherwise (it compiles every expression against the fields as the designer has them),
// reading the error at the pointer at.
export async function checkExpression(m: EntityModel, expr: string, kind: 'formula' | 'rule' | 'default', at: string, field?: string): Promise<ExprResult> {
  if (m.stored && m.fields.every(x => x.storedKey === x.key && x.storedType === x.type)) {
    const r = await request<{ ok: boolean; type?: string; errors: { code: string; message: string; offset: number }[] }>(
      '/api/expressions/check', { method: 'POST', body: { entity: m.name, expr, kind, field } })
    const d = r.data
    return d.ok ? { ok: true, type: d.type } : { ok: false, message: d.errors[0]?.message, offset: d.errors[0]?.offset }
  }
  try {
    await planOf(m)
    return { ok: true }
  } catch (e) {
    if (!(e instanceof ApiError)) throw e
    const fe = e.fields.find(x => x.path === at || x.path.startsWith(at + '/'))
    return fe ? { ok: false, message: fe.message } : { ok: true }
  }
}

// checkFormula checks a formula field's expression, with the field's result type as saved when it is still the one
// wanted.
export function checkFormula(m: EntityModel, f: FieldModel): Promise<ExprResult> {
  const typed = f.storedType === 'formula' && resultOf(f.original) === f.result
  return checkExpression(m, f.expr, 'formula', `/properties/${f.key}/x-expr`, typed ? f.key : undefined)
}
