// The signed-in session: the user, their permissions, the entity definitions they may read, the users' names,
// and the helpers that read labels and field types from the definitions.
import { reactive, computed } from 'vue'
import { get, request, setLanguage, setViewAs, ApiError, type Page } from './api'
import { i18n, type Lang } from './i18n'

export type Label = Record<string, string> | string | undefined

export interface FieldDef {
  key: string
  type: string // x-type
  label: Label
  options: { value: string; label: Label }[]
  ref?: string
  many: boolean
  required: boolean
  readOnly: boolean
  currency?: string
  schema: Record<string, any>
}

export interface EntityDef {
  name: string
  label: Label
  titleField: string
  fields: FieldDef[]
  byKey: Record<string, FieldDef>
  raw: Record<string, any>
}

export interface EntityPerm {
  create: boolean; read: string; update: string; delete: string; fields: Record<string, string>
}

export interface Me {
  id: string; email: string; name: string; team?: string; roles: string[]; language?: string; version: number
  permissions: { admin: boolean; entities: Record<string, EntityPerm> }
}

// ViewAs is an administrator's read-only preview as another user (see startViewAs).
export interface ViewAs { id: string; name: string; role: string; back: string }

export const session = reactive({
  me: null as Me | null,
  viewAs: null as ViewAs | null,
  entities: [] as EntityDef[],
  users: {} as Record<string, string>,
  lang: i18n.global.locale.value as Lang,
  loaded: false,
})

setLanguage(session.lang)
try {
  const v = JSON.parse(sessionStorage.getItem('morph.viewAs') || 'null')
  if (v && typeof v.id === 'string') { session.viewAs = v; setViewAs(v.id) }
} catch { /* none */ }
document.documentElement.lang = session.lang

// System fields every record carries; not part of the entity's own properties.
export const systemFields = ['id', 'version', 'created_at', 'created_by', 'updated_at', 'updated_by']

function parseEntity(name: string, label: Label, def: Record<string, any>): EntityDef {
  const required = new Set<string>(def.required || [])
  const fields: FieldDef[] = Object.entries<any>(def.properties || {}).map(([key, p]) => {
    const enumValues: string[] = p.enum || p.items?.enum || []
    const optLabels = p['x-options'] || {}
    return {
      key,
      type: p['x-type'] || (p.type === 'boolean' ? 'boolean' : p.type === 'number' ? 'number' : 'text'),
      label: p['x-label'] || p.title || key,
      options: enumValues.map(v => ({ value: v, label: optLabels[v] || v })),
      ref: p['x-ref'],
      many: !!p['x-many'] || p.type === 'array',
      required: required.has(key),
      readOnly: !!p.readOnly || ['autonumber', 'formula', 'rollup'].includes(p['x-type']),
      currency: p['x-currency'],
      schema: p,
    }
  })
  const byKey: Record<string, FieldDef> = {}
  for (const f of fields) byKey[f.key] = f
  return { name, label: label || def['x-label'] || def.title || name, titleField: def['x-title-field'] || fields[0]?.key || 'id', fields, byKey, raw: def }
}

// text picks the label in the UI language, falling back to English, then any.
export function text(l: Label, lang: string = session.lang): string {
  if (!l) return ''
  if (typeof l === 'string') return l
  return l[lang] || l.en || Object.values(l)[0] || ''
}

export function entity(name: string): EntityDef | undefined {
  return session.entities.find(e => e.name === name)
}

export function fieldLabel(e: EntityDef | undefined, key: string): string {
  const f = e?.byKey[key]
  if (f) return text(f.label)
  const sys: Record<string, [string, string]> = {
    id: ['ID', 'ID'], version: ['Version', '版本'], created_at: ['Created', '创建时间'], created_by: ['Created by', '创建人'],
    updated_at: ['Updated', '更新时间'], updated_by: ['Updated by', '更新人'],
  }
  const s = sys[key]
  return s ? (session.lang === 'zh-CN' ? s[1] : s[0]) : key
}

export function optionLabel(f: FieldDef | undefined, v: string): string {
  const o = f?.options.find(o => o.value === v)
  return o ? text(o.label) : v
}

export function perm(entityName: string): EntityPerm {
  const p = session.me?.permissions?.entities?.[entityName]
  if (p && session.viewAs) return readOnly(p)
  if (p) return p
  if (session.me?.permissions?.admin) return { create: true, read: 'all', update: 'all', delete: 'all', fields: {} }
  return { create: false, read: 'none', update: 'none', delete: 'none', fields: {} }
}

// readOnly is a permission with nothing to change: what a preview as another user offers.
function readOnly(p: EntityPerm): EntityPerm {
  const fields: Record<string, string> = {}
  for (const [k, v] of Object.entries(p.fields || {})) fields[k] = v === 'edit' ? 'read' : v
  return { ...p, create: false, update: 'none', delete: 'none', fields }
}

// fieldAccess is the caller's access to a field: hidden, masked, read or edit (admins and unlisted fields: edit).
export function fieldAccess(entityName: string, key: string): string {
  const f = perm(entityName).fields || {}
  return f[key] || f['*'] || (session.viewAs ? 'read' : 'edit')
}

// startViewAs makes every request read as another user (the server allows administrators' reads only) and loads
// that user's session; stopViewAs goes back to the administrator's own. Both keep to this browser tab.
export async function startViewAs(v: ViewAs) {
  sessionStorage.setItem('morph.viewAs', JSON.stringify(v))
  session.viewAs = v
  setViewAs(v.id)
  await loadSession()
}

export async function stopViewAs() {
  sessionStorage.removeItem('morph.viewAs')
  session.viewAs = null
  setViewAs('')
  await loadSession()
}

export const canCreate = (e: string) => !!perm(e).create
export const canUpdate = (e: string) => (perm(e).update || 'none') !== 'none'
export const canDelete = (e: string) => (perm(e).delete || 'none') !== 'none'

export async function loadSession(): Promise<Me> {
  let me: Me
  try {
    me = await get<Me>('/api/me')
  } catch (e) {
    // A preview of a user who is gone or no longer active ends: back to the administrator's own view.
    if (!session.viewAs || (e instanceof ApiError && e.status === 401)) throw e
    sessionStorage.removeItem('morph.viewAs')
    session.viewAs = null
    setViewAs('')
    me = await get<Me>('/api/me')
  }
  session.me = me
  if (!session.viewAs && (me.language === 'en' || me.language === 'zh-CN')) applyLanguage(me.language, false)
  const ents = await get<{ items: { name: string; label: Label; definition: any }[] }>('/api/entities')
  session.entities = ents.items.map(e => parseEntity(e.name, e.label, e.definition))
  await loadUsers()
  session.loaded = true
  return me
}

// refreshEntities reads the entity definitions again (after the builder saved one), so the navigation and the
// screens show the change at once.
export async function refreshEntities() {
  const ents = await get<{ items: { name: string; label: Label; definition: any }[] }>('/api/entities')
  session.entities = ents.items.map(e => parseEntity(e.name, e.label, e.definition))
}

async function loadUsers() {
  const names: Record<string, string> = {}
  let after: string | undefined
  for (let i = 0; i < 20; i++) { // at most 2000 users for the pickers and names
    let page: Page<{ id: string; name: string }>
    try { page = await get('/api/users', { limit: 100, after }) } catch { break }
    for (const u of page.items) names[u.id] = u.name
    if (!page.next) break
    after = page.next
  }
  session.users = names
}

export function clearSession() {
  sessionStorage.removeItem('morph.viewAs')
  session.viewAs = null
  setViewAs('')
  session.me = null
  session.entities = []
  session.users = {}
  session.loaded = false
}

export function applyLanguage(l: Lang, remember = true) {
  session.lang = l
  i18n.global.locale.value = l
  setLanguage(l)
  document.documentElement.lang = l
  localStorage.setItem('morph.language', l)
  if (remember && session.me) {
    request('/api/me', { method: 'PATCH', body: { language: l } }).then(r => { if (session.me) session.me.language = l; return r }).catch(() => {})
  }
}

export const readableEntities = computed(() => session.entities.filter(e => perm(e.name).read !== 'none'))

// textSearchFields are the fields a quick search looks in: text-like fields the caller may read unmasked.
export function textSearchFields(e: EntityDef): FieldDef[] {
  return e.fields.filter(f => ['text', 'textarea', 'email', 'url', 'phone'].includes(f.type) && f.type !== 'textarea'
    && ['edit', 'read'].includes(fieldAccess(e.name, f.key)))
}
