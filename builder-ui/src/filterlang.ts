// A small evaluator of the filter language's subset used by layout conditions (visibleWhen, requiredWhen,
// readOnlyWhen), so the form reacts live; the server checks the same conditions again on save. Supported:
// literals (numbers, 'strings', "strings", true, false, nil, [lists]), field names and dotted paths, ( ),
// == != < <= > >=, && || ! (and, or, not), in, not in, contains, startsWith, endsWith, and len(x).
// Also the compiler of the list's filter builder into a filter expression string.

type Node =
  | { k: 'lit'; v: unknown }
  | { k: 'id'; path: string[] }
  | { k: 'list'; items: Node[] }
  | { k: 'un'; op: string; x: Node }
  | { k: 'bin'; op: string; l: Node; r: Node }
  | { k: 'call'; name: string; args: Node[] }

interface Tok { t: 'num' | 'str' | 'id' | 'op' | 'eof'; v: string }

const ops = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', ',', '.', '-']

function lex(src: string): Tok[] {
  const out: Tok[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]
    if (/\s/.test(c)) { i++; continue }
    if (/[0-9]/.test(c)) {
      let j = i
      while (j < src.length && /[0-9._eE]/.test(src[j])) j++
      out.push({ t: 'num', v: src.slice(i, j).replace(/_/g, '') }); i = j; continue
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1, s = ''
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && c !== '`') {
          j++
          const e = src[j]
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e
        } else s += src[j]
        j++
      }
      if (j >= src.length) throw new Error('unterminated string')
      out.push({ t: 'str', v: s }); i = j + 1; continue
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i
      while (j < src.length && /[A-Za-z0-9_$]/.test(src[j])) j++
      out.push({ t: 'id', v: src.slice(i, j) }); i = j; continue
    }
    const op = ops.find(o => src.startsWith(o, i))
    if (!op) throw new Error(`unexpected ${c}`)
    out.push({ t: 'op', v: op }); i += op.length
  }
  out.push({ t: 'eof', v: '' })
  return out
}

const binPrec: Record<string, number> = {
  '||': 1, or: 1, '&&': 2, and: 2,
  '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3, in: 3, contains: 3, startsWith: 3, endsWith: 3, matches: 3,
}

export function parse(src: string): Node {
  const toks = lex(src)
  let p = 0
  const peek = () => toks[p]
  const next = () => toks[p++]
  const expect = (v: string) => { const t = next(); if (t.v !== v) throw new Error(`expected ${v}`) }

  function primary(): Node {
    const t = next()
    if (t.t === 'num') return { k: 'lit', v: Number(t.v) }
    if (t.t === 'str') return { k: 'lit', v: t.v }
    if (t.t === 'op' && t.v === '(') { const x = expr(0); expect(')'); return x }
    if (t.t === 'op' && t.v === '[') {
      const items: Node[] = []
      while (peek().v !== ']') { items.push(expr(0)); if (peek().v === ',') next(); else break }
      expect(']')
      return { k: 'list', items }
    }
    if (t.t === 'op' && t.v === '!') return { k: 'un', op: '!', x: unary() }
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' }
      if (t.v === 'nil' || t.v === 'null') return { k: 'lit', v: null }
      if (t.v === 'not') return { k: 'un', op: '!', x: unary() }
      if (peek().v === '(') {
        next()
        const args: Node[] = []
        while (peek().v !== ')') { args.push(expr(0)); if (peek().v === ',') next(); else break }
        expect(')')
        return { k: 'call', name: t.v, args }
      }
      const path = [t.v]
      while (peek().v === '.') { next(); const f = next(); if (f.t !== 'id') throw new Error('expected a name'); path.push(f.v) }
      return { k: 'id', path }
    }
    throw new Error(`unexpected ${t.v || 'end'}`)
  }
  function unary(): Node {
    if (peek().v === '-' ) { next(); return { k: 'un', op: '-', x: unary() } }
    return primary()
  }
  function expr(min: number): Node {
    let l = unary()
    for (;;) {
      const t = peek()
      let op = t.v
      let negate = false
      if (t.t === 'id' && op === 'not' && toks[p + 1]?.v === 'in') { negate = true; op = 'in' }
      const prec = (t.t === 'op' || t.t === 'id') ? binPrec[op] : undefined
      if (prec === undefined || prec < min) break
      next(); if (negate) next()
      const r = expr(prec + 1)
      l = { k: 'bin', op: op === 'and' ? '&&' : op === 'or' ? '||' : op, l, r }
      if (negate) l = { k: 'un', op: '!', x: l }
    }
    return l
  }
  const n = expr(0)
  if (peek().t !== 'eof') throw new Error(`unexpected ${peek().v}`)
  return n
}

function isNil(v: unknown) { return v === null || v === undefined }

function ordered(a: unknown, b: unknown): boolean {
  return (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')
}

function eq(a: unknown, b: unknown): boolean {
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b)
  if (typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b)
  return a === b
}

function evalNode(n: Node, env: Record<string, unknown>): unknown {
  switch (n.k) {
    case 'lit': return n.v
    case 'list': return n.items.map(i => evalNode(i, env))
    case 'id': {
      let v: any = env
      for (const part of n.path) { if (isNil(v) || typeof v !== 'object') return null; v = v[part] }
      return v === undefined ? null : v
    }
    case 'un': {
      const x = evalNode(n.x, env)
      return n.op === '!' ? !x : -(x as number)
    }
    case 'call': {
      const args = n.args.map(a => evalNode(a, env))
      if (n.name === 'len') { const a = args[0] as any; return isNil(a) ? 0 : (a.length ?? Object.keys(a).length) }
      throw new Error(`unknown function ${n.name}`)
    }
    case 'bin': {
      if (n.op === '&&') return !!evalNode(n.l, env) && !!evalNode(n.r, env)
      if (n.op === '||') return !!evalNode(n.l, env) || !!evalNode(n.r, env)
      const l: any = evalNode(n.l, env), r: any = evalNode(n.r, env)
      switch (n.op) {
        case '==': return eq(l, r)
        case '!=': return !eq(l, r)
        // Ordered only within one kind, as the server does: never a number with a string (JavaScript would convert).
        case '<': return ordered(l, r) && l < r
        case '<=': return ordered(l, r) && l <= r
        case '>': return ordered(l, r) && l > r
        case '>=': return ordered(l, r) && l >= r
        case 'in': return Array.isArray(r) && r.some(x => eq(l, x))
        case 'contains':
          if (Array.isArray(l)) return l.some(x => eq(x, r))
          return typeof l === 'string' && typeof r === 'string' && l.includes(r)
        case 'startsWith': return typeof l === 'string' && typeof r === 'string' && l.startsWith(r)
        case 'endsWith': return typeof l === 'string' && typeof r === 'string' && l.endsWith(r)
        case 'matches': try { return typeof l === 'string' && new RegExp(String(r)).test(l) } catch { return false }
      }
    }
  }
  return null
}

const cache = new Map<string, Node | Error>()

// evaluate returns the truth of a condition over values; a condition that does not parse or evaluate is false
// (the server, which compiled it on save, is the authority).
export function evaluate(src: string, env: Record<string, unknown>): boolean {
  let n = cache.get(src)
  if (!n) {
    try { n = parse(src) } catch (e) { n = e as Error }
    if (cache.size > 500) cache.clear()
    cache.set(src, n)
  }
  if (n instanceof Error) return false
  try { return !!evalNode(n, env) } catch { return false }
}

// ---- The filter builder's model and its compilation to a filter expression ----

// has: a list-valued field (multiselect, tags, a relation to many) holds the value (`'v' in field`).
export type Operator = '==' | '!=' | '>' | '>=' | '<' | '<=' | 'contains' | 'startsWith' | 'in' | 'has' | 'empty' | 'notEmpty'
export interface Condition { field: string; op: Operator; value: unknown }
export interface Group { join: '&&' | '||'; items: (Condition | Group)[] }

export function isGroup(x: Condition | Group): x is Group { return (x as Group).items !== undefined }

// literal writes a value in the filter language: strings single-quoted with \ and ' escaped.
export function literal(v: unknown): string {
  if (v === null || v === undefined) return 'nil'
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'nil'
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (Array.isArray(v)) return '[' + v.map(literal).join(', ') + ']'
  return "'" + String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'"
}

export function compileCondition(c: Condition): string {
  if (!c.field) return ''
  switch (c.op) {
    case 'empty': return `${c.field} == nil`
    case 'notEmpty': return `${c.field} != nil`
    case 'in': {
      const vs = Array.isArray(c.value) ? c.value : []
      return vs.length ? `${c.field} in ${literal(vs)}` : ''
    }
    case 'has':
      return c.value === '' || c.value === undefined || c.value === null ? '' : `${literal(c.value)} in ${c.field}`
    default:
      if (c.value === '' || c.value === undefined || c.value === null) return ''
      return `${c.field} ${c.op} ${literal(c.value)}`
  }
}

// compileGroup joins the group's non-empty parts; nested groups with more than one part are parenthesised.
export function compileGroup(g: Group, nested = false): string {
  const parts = g.items.map(i => isGroup(i) ? compileGroup(i, true) : compileCondition(i)).filter(Boolean)
  if (!parts.length) return ''
  const s = parts.join(` ${g.join} `)
  return nested && parts.length > 1 ? `(${s})` : s
}

// and joins whole expressions with &&, parenthesising each.
export function and(...xs: (string | undefined)[]): string {
  const parts = xs.filter((x): x is string => !!x && x.trim() !== '')
  if (parts.length <= 1) return parts[0] || ''
  return parts.map(p => `(${p})`).join(' && ')
}

// toGroup reads a filter expression back into the filter builder's model when it has a shape the builder writes
// (conditions joined by one kind of && or ||, groups one level deep); null for any other expression, which is
// then kept as text.
export function toGroup(src: string): Group | null {
  if (!src.trim()) return { join: '&&', items: [] }
  let n: Node
  try { n = parse(src) } catch { return null }
  return nodeGroup(n, 0)
}

function flatten(n: Node, op: string): Node[] {
  return n.k === 'bin' && n.op === op ? [...flatten(n.l, op), ...flatten(n.r, op)] : [n]
}

function nodeGroup(n: Node, depth: number): Group | null {
  const join: '&&' | '||' = n.k === 'bin' && n.op === '||' ? '||' : '&&'
  const items: (Condition | Group)[] = []
  for (const part of flatten(n, join)) {
    const c = nodeCondition(part)
    if (c) { items.push(c); continue }
    if (depth > 0 || part.k !== 'bin' || (part.op !== '&&' && part.op !== '||')) return null
    const g = nodeGroup(part, depth + 1)
    if (!g) return null
    items.push(g)
  }
  return { join, items }
}

function litValue(n: Node): { ok: boolean; v: unknown } {
  if (n.k === 'lit') return { ok: true, v: n.v }
  if (n.k === 'un' && n.op === '-' && n.x.k === 'lit' && typeof n.x.v === 'number') return { ok: true, v: -n.x.v }
  if (n.k === 'list') {
    const vs = n.items.map(litValue)
    return vs.every(x => x.ok) ? { ok: true, v: vs.map(x => x.v) } : { ok: false, v: null }
  }
  return { ok: false, v: null }
}

const condOps = ['==', '!=', '>', '>=', '<', '<=', 'contains', 'startsWith', 'in'] as const

function nodeCondition(n: Node): Condition | null {
  if (n.k !== 'bin') return null
  // 'v' in field: a list-valued field holds v.
  if (n.op === 'in' && n.r.k === 'id' && n.r.path.length === 1) {
    const l = litValue(n.l)
    return l.ok && !Array.isArray(l.v) ? { field: n.r.path[0], op: 'has', value: l.v } : null
  }
  if (n.l.k !== 'id' || n.l.path.length !== 1 || !(condOps as readonly string[]).includes(n.op)) return null
  const r = litValue(n.r)
  if (!r.ok) return null
  const field = n.l.path[0]
  if (r.v === null) {
    if (n.op === '==') return { field, op: 'empty', value: null }
    if (n.op === '!=') return { field, op: 'notEmpty', value: null }
    return null
  }
  if (n.op === 'in' && !Array.isArray(r.v)) return null
  if (n.op !== 'in' && Array.isArray(r.v)) return null
  return { field, op: n.op as Operator, value: r.v }
}
