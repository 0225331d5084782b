// Reading a condition back into the condition builder's model (filterlang's Group), when it is one the builder
// can show: comparisons of a field with a value joined by && / || (one level of nested groups).
import { parse, type Condition, type Group, type Operator } from '../../filterlang'

type Node = ReturnType<typeof parse>

const cmp: Operator[] = ['==', '!=', '>', '>=', '<', '<=', 'contains', 'startsWith']

function lit(n: Node): { ok: boolean; v: unknown } {
  if (n.k === 'lit') return { ok: true, v: n.v }
  if (n.k === 'un' && n.op === '-' && n.x.k === 'lit' && typeof n.x.v === 'number') return { ok: true, v: -n.x.v }
  if (n.k === 'list') {
    const vs = n.items.map(lit)
    return vs.every(x => x.ok) ? { ok: true, v: vs.map(x => x.v) } : { ok: false, v: null }
  }
  return { ok: false, v: null }
}

function field(n: Node): string | null { return n.k === 'id' && n.path.length === 1 ? n.path[0] : null }

function condition(n: Node): Condition | null {
  if (n.k !== 'bin') return null
  const f = field(n.l)
  const r = lit(n.r)
  if (f && r.ok) {
    if (n.op === '==' && r.v === null) return { field: f, op: 'empty', value: null }
    if (n.op === '!=' && r.v === null) return { field: f, op: 'notEmpty', value: null }
    if (n.op === 'in' && Array.isArray(r.v)) return { field: f, op: 'in', value: r.v }
    if ((cmp as string[]).includes(n.op) && !Array.isArray(r.v)) return { field: f, op: n.op as Operator, value: r.v }
  }
  const l = lit(n.l)
  const rf = field(n.r)
  if (n.op === 'in' && l.ok && rf && !Array.isArray(l.v)) return { field: rf, op: 'has', value: l.v }
  return null
}

function flatten(n: Node, op: string, out: Node[]) {
  if (n.k === 'bin' && n.op === op) { flatten(n.l, op, out); flatten(n.r, op, out) } else out.push(n)
}

function group(n: Node, depth: number): Group | null {
  const join = n.k === 'bin' && (n.op === '&&' || n.op === '||') ? n.op : '&&'
  const parts: Node[] = []
  flatten(n, join, parts)
  const items: (Condition | Group)[] = []
  for (const p of parts) {
    const c = condition(p)
    if (c) { items.push(c); continue }
    if (depth === 0 && p.k === 'bin' && (p.op === '&&' || p.op === '||')) {
      const g = group(p, 1)
      if (g) { items.push(g); continue }
    }
    return null
  }
  return { join: join as Group['join'], items }
}

// toGroup answers the builder's model of src, an empty group for no condition, or null when the builder cannot
// show it (it is then edited as an expression).
export function toGroup(src: string | undefined): Group | null {
  if (!src || !src.trim()) return { join: '&&', items: [] }
  try { return group(parse(src), 0) } catch { return null }
}
