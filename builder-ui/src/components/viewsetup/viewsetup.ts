// Helpers of the view set-up: which fields a kanban groups by and a list sorts by, the server's index advice for
// a filter and sort, and adding the composite index it suggests to the entity's definition.
import { request, ApiError } from '../../api'
import type { FieldDef, Label } from '../../meta'

export interface Advice { served: boolean; index?: string; suggest?: string[]; why?: Label }

// groupable: a kanban's columns are the values of a select field or the users of a user field.
export const groupable = (f: FieldDef) => (f.type === 'select' || f.type === 'user') && !f.many

// sortable: fields with one value that orders (not lists, JSON or long text).
export const sortable = (f: FieldDef) => !f.many && !['json', 'multiselect', 'tags', 'textarea', 'richtext', 'file', 'image'].includes(f.type)

// advise asks the server whether an index serves the filter and sort; null when it cannot answer (the filter
// does not compile yet: the save shows why).
export async function advise(entity: string, filter: string, sort: string): Promise<Advice | null> {
  try {
    return (await request<Advice>(`/api/entities/${encodeURIComponent(entity)}/indexes/advice`, { method: 'POST', body: { filter, sort } })).data
  } catch (e) {
    if (e instanceof ApiError && e.status >= 400 && e.status < 500) return null
    throw e
  }
}

// withIndex returns the definition with the composite index added to x-indexes (unchanged when it has it).
export function withIndex(def: Record<string, any>, keys: string[]): Record<string, any> {
  const have: string[][] = Array.isArray(def['x-indexes']) ? def['x-indexes'] : []
  if (have.some(ix => ix.length === keys.length && ix.every((k, i) => k === keys[i]))) return def
  return { ...def, 'x-indexes': [...have, keys] }
}

// addIndex adds the composite index to the entity's definition: the definition as stored, with the index, saved
// with If-Match on its version (administrators only; the server refuses others).
export async function addIndex(entity: string, keys: string[]): Promise<void> {
  const path = `/api/entities/${encodeURIComponent(entity)}`
  const res = await request<Record<string, any>>(path)
  const version = (res.etag || '').replace(/^W\//, '').replace(/"/g, '')
  await request(path, { method: 'PUT', body: withIndex(res.data, keys), ifMatch: version || undefined })
}

