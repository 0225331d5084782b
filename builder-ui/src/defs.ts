// Layouts and views, definitions the server keeps (and generates for an entity without one).
import { get, request } from './api'
import type { Label } from './meta'

export interface LayoutCol {
  span: number; field?: string; text?: Label
  visibleWhen?: string; requiredWhen?: string; readOnlyWhen?: string; help?: Label
}
export interface LayoutSection { id: string; label?: Label; visibleWhen?: string; rows: { cols: LayoutCol[] }[] }
export interface LayoutTab { id: string; label?: Label; sections: LayoutSection[] }
export interface Layout { id: string; entity: string; label?: Label; tabs: LayoutTab[]; generated?: boolean }

export interface View {
  id: string; entity: string; type: 'list' | 'kanban'; label: Label; shared?: boolean; owner?: string
  columns?: { field: string; width?: number }[]; filter?: string; sort?: string; pageSize?: number
  groupBy?: string; cardFields?: string[]; hiddenGroups?: string[]; version?: number; generated?: boolean
}

const enc = encodeURIComponent

// fetchLayout answers the entity's default layout: the saved one, or the server's generated one.
export function fetchLayout(name: string): Promise<Layout> {
  return get<Layout>(`/api/entities/${enc(name)}/layouts/default`)
}

// fetchViews answers the views the caller may use: shared ones, their own, and the generated defaults.
export async function fetchViews(name: string): Promise<View[]> {
  return (await get<{ items: View[] }>(`/api/entities/${enc(name)}/views`)).items
}

export async function createView(name: string, v: Omit<View, 'id' | 'entity' | 'version' | 'generated' | 'owner'>): Promise<View> {
  return (await request<View>(`/api/entities/${enc(name)}/views`, { method: 'POST', body: v })).data
}

export async function updateView(name: string, v: View): Promise<View> {
  const { id, version, generated, owner, entity: _e, ...body } = v
  void generated; void owner; void _e
  return (await request<View>(`/api/entities/${enc(name)}/views/${enc(id)}`, { method: 'PUT', body, ifMatch: version })).data
}

export async function deleteView(name: string, v: View): Promise<void> {
  await request(`/api/entities/${enc(name)}/views/${enc(v.id)}`, { method: 'DELETE', ifMatch: v.version })
}

// layoutFields lists the fields a layout places, in order.
export function layoutFields(l: Layout): string[] {
  const out: string[] = []
  for (const t of l.tabs) for (const s of t.sections) for (const r of s.rows) for (const c of r.cols) if (c.field) out.push(c.field)
  return out
}
