// The one way the UI talks to the server: same-origin fetch with the session cookie, the CSRF header on writes,
// the UI language in Accept-Language, and the server's error shape turned into ApiError.

export interface FieldError { path: string; code: string; message: string }

export class ApiError extends Error {
  status: number
  code: string
  fields: FieldError[]
  constructor(status: number, code: string, message: string, fields: FieldError[] = []) {
    super(message)
    this.status = status
    this.code = code
    this.fields = fields
  }
  // fieldErrors maps the JSON pointers of the field errors ("/name", "/amount/currency") to the top-level field.
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const f of this.fields) {
      const key = pointerField(f.path)
      if (key && !out[key]) out[key] = f.message
    }
    return out
  }
}

// pointerField returns the top-level field a JSON pointer names ("/amount/currency" → "amount"), unescaping ~1 ~0.
export function pointerField(path: string): string {
  if (!path.startsWith('/')) return ''
  const first = path.slice(1).split('/')[0]
  return first.replace(/~1/g, '/').replace(/~0/g, '~')
}

let language = 'en'
let onUnauthorized: (() => void) | null = null

export function setLanguage(l: string) { language = l }

// An administrator previewing what another user sees sends that user's id in X-Morph-View-As on every request
// but signing in and out; the server allows it on reads only. '' is the administrator's own view.
let viewAsID = ''
export function setViewAs(id: string) { viewAsID = id }
export function setUnauthorizedHandler(f: () => void) { onUnauthorized = f }

export interface RequestOptions {
  method?: string
  body?: unknown
  ifMatch?: number | string
  query?: Record<string, string | number | boolean | undefined | null>
  quiet401?: boolean // the sign-in page's own calls
}

export interface Response<T> { data: T; etag: string | null }

export async function request<T = any>(path: string, opts: RequestOptions = {}): Promise<Response<T>> {
  const method = opts.method || 'GET'
  const headers: Record<string, string> = { 'Accept': 'application/json', 'Accept-Language': language }
  if (method !== 'GET' && method !== 'HEAD') headers['X-Morph-CSRF'] = '1'
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json'
  if (opts.ifMatch !== undefined) headers['If-Match'] = `"${opts.ifMatch}"`
  if (viewAsID && !path.startsWith('/api/auth/')) headers['X-Morph-View-As'] = viewAsID
  let url = path
  if (opts.query) {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(opts.query)) {
      if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
    }
    const s = q.toString()
    if (s) url += (url.includes('?') ? '&' : '?') + s
  }
  let res: globalThis.Response
  try {
    // no-store: an answer depends on who reads (masked fields, view as) while a record's ETag is its version
    // for everyone, so the browser's cache must never answer one reader with what another was sent.
    res = await fetch(url, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    })
  } catch {
    throw new ApiError(0, 'network', language === 'zh-CN' ? '无法连接服务器' : 'The server cannot be reached')
  }
  const text = await res.text()
  let data: any = null
  if (text) {
    try { data = JSON.parse(text) } catch { data = null }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data?.code || 'error', data?.message || res.statusText || String(res.status),
      Array.isArray(data?.fields) ? data.fields : [])
    if (res.status === 401 && !opts.quiet401 && onUnauthorized) onUnauthorized()
    throw err
  }
  return { data: data as T, etag: res.headers.get('ETag') }
}

export const get = <T = any>(path: string, query?: RequestOptions['query']) =>
  request<T>(path, { query }).then(r => r.data)

export interface Page<T = Rec> { items: T[]; next?: string; total?: number }
export type Rec = Record<string, any> & { id: string; version: number }

export function listRecords(entity: string, q: {
  filter?: string; sort?: string; limit?: number; after?: string; count?: boolean; fields?: string; expand?: string
}) {
  return get<Page>(`/api/records/${encodeURIComponent(entity)}`, {
    filter: q.filter, sort: q.sort, limit: q.limit, after: q.after, count: q.count ? 'true' : undefined,
    fields: q.fields, expand: q.expand,
  })
}
