// The server's live check of an expression (POST /api/expressions/check), a moment after it stops changing.
import { ref, watch, onBeforeUnmount, type Ref } from 'vue'
import { request, ApiError } from '../../api'
import { withPosition } from './model'

export interface CheckState { state: 'idle' | 'checking' | 'ok' | 'bad'; type: string; messages: string[] }

interface Problem { message: string; offset: number }

// useCheck watches what to check — the entity, the expression, the kind ('condition', 'formula', 'filter') and
// the field whose type a value must have — and keeps the answer of the latest one.
export function useCheck(what: () => { entity: string; expr: string; kind: string; field?: string }, at: (n: number) => string): Ref<CheckState> {
  const out = ref<CheckState>({ state: 'idle', type: '', messages: [] })
  let timer: ReturnType<typeof setTimeout> | undefined
  let seq = 0
  watch(what, w => {
    clearTimeout(timer)
    seq++
    if (!w.entity || !w.expr.trim()) { out.value = { state: 'idle', type: '', messages: [] }; return }
    out.value = { state: 'checking', type: '', messages: [] }
    const mine = seq
    timer = setTimeout(async () => {
      const body: Record<string, string> = { entity: w.entity, expr: w.expr, kind: w.kind }
      if (w.field) body.field = w.field
      try {
        const r = await request<{ ok: boolean; type?: string; errors: Problem[] }>('/api/expressions/check', { method: 'POST', body })
        if (mine !== seq) return
        out.value = r.data.ok ? { state: 'ok', type: r.data.type || '', messages: [] }
          : { state: 'bad', type: '', messages: r.data.errors.map(e => withPosition(e.message, e.offset, at)) }
      } catch (e) {
        if (mine !== seq) return
        out.value = { state: 'bad', type: '', messages: [e instanceof ApiError ? e.message : String(e)] }
      }
    }, 400)
  }, { immediate: true, deep: true })
  onBeforeUnmount(() => clearTimeout(timer))
  return out
}
