// What the users, teams, roles and audit screens share: loading the directory (users, teams, roles) as an
// administrator sees it, and the server's field errors keyed by their JSON pointers.
import { get, ApiError, type Page } from '../../api'
import { text, type Label } from '../../meta'

export interface User {
  id: string; version: number; email: string; name: string; phone?: string; team?: string; roles: string[]
  active: boolean; language: string; created_at?: string; updated_at?: string
}
export interface Team { id: string; version: number; name: string; parent?: string; manager?: string }
export interface RoleSummary { name: string; label: Label; version: number; builtin?: boolean; document?: RoleDoc }

export interface EntityAccessDoc {
  create?: boolean; read?: string; update?: string; delete?: string; where?: string; fields?: Record<string, string>
}
export interface RoleDoc { name: string; label?: Record<string, string>; entities?: Record<string, EntityAccessDoc> }

export const scopes = ['none', 'own', 'team', 'team_tree', 'all'] as const
export const levels = ['hidden', 'masked', 'read', 'edit'] as const

// all reads every page of a cursor-paged list (at most 50 pages).
async function all<T>(path: string): Promise<T[]> {
  const out: T[] = []
  let after: string | undefined
  for (let i = 0; i < 50; i++) {
    const page = await get<Page<any>>(path, { limit: 100, after })
    out.push(...page.items)
    if (!page.next) break
    after = page.next
  }
  return out
}

export const loadUsers = () => all<User>('/api/users')
export const loadTeams = () => all<Team>('/api/teams')
export const loadRoles = () => get<{ items: RoleSummary[] }>('/api/roles').then(r => r.items)

export function roleLabel(roles: RoleSummary[], name: string): string {
  const r = roles.find(r => r.name === name)
  return r ? text(r.label) || name : name
}

// errorsByPath maps the server's field errors to their JSON pointers ("/entities/account/fields/phone");
// other errors come back under ''.
export function errorsByPath(e: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (e instanceof ApiError) {
    for (const f of e.fields) if (!out[f.path]) out[f.path] = f.message
    if (!e.fields.length) out[''] = e.message
  } else {
    out[''] = String((e as Error)?.message || e)
  }
  return out
}

// pointer escapes a key for a JSON pointer.
export const pointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1')

// teamPaths lists the teams depth first with their depth, for pickers that show the tree.
export function teamOrder(teams: Team[]): { team: Team; depth: number }[] {
  const kids = new Map<string, Team[]>()
  const ids = new Set(teams.map(t => t.id))
  for (const t of teams) {
    const p = t.parent && ids.has(t.parent) ? t.parent : ''
    if (!kids.has(p)) kids.set(p, [])
    kids.get(p)!.push(t)
  }
  const out: { team: Team; depth: number }[] = []
  const walk = (p: string, depth: number) => {
    for (const t of (kids.get(p) || []).sort((a, b) => a.name.localeCompare(b.name))) {
      out.push({ team: t, depth })
      if (depth < 32) walk(t.id, depth + 1)
    }
  }
  walk('', 0)
  return out
}
