// Layouts and views: GET /api/entities/{name}/layouts/default and /views. Until the server answers the views
// route (404), the default views are generated here the way the server generates them.
import { get, request, ApiError } from './api'
import { entity, type EntityDef, type Label } from './meta'

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

const wide = new Set(['textarea', 'json'])

export function generatedViews(e: EntityDef): View[] {
  const listable = e.fields.filter(f => !wide.has(f.type) && f.type !== 'tags')
  const views: View[] = [{
    id: 'default', entity: e.name, type: 'list', label: { en: 'All', 'zh-CN': '全部' }, generated: true, shared: true,
    columns: listable.slice(0, 6).map(f => ({ field: f.key })), sort: '-updated_at', pageSize: 20,
  }]
  const sel = e.fields.find(f => f.type === 'select')
  if (sel) {
    views.push({ id: 'default_kanban', entity: e.name, type: 'kanban', label: { en: 'Board', 'zh-CN': '看板' },
      generated: true, shared: true, groupBy: sel.key, cardFields: listable.filter(f => f.key !== sel.key && f.key !== e.titleField).slice(0, 3).map(f => f.key),
      hiddenGroups: [], sort: '-updated_at', pageSize: 50 })
  }
  return views
}

const enc = encodeURIComponent

// fetchLayout answers the entity's default layout: the saved one, or the server's generated one.
export function fetchLayout(name: string): Promise<Layout> {
  return get<Layout>(`/api/entities/${enc(name)}/layouts/default`)
}

export async function fetchViews(name: string): Promise<View[]> {
  try {
    const r = await get<{ items: View[] }>(`/api/entities/${enc(name)}/views`)
    return r.items
  } catch (e) {
    const def = entity(name)
    if (e instanceof ApiError && (e.status === 404 || e.status === 405) && def) return generatedViews(def)
    throw e
  }
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
