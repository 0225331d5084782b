// Helpers shared by the lists and editors of definition documents (workflow rules, calendars, SLA policies).
import { toValue, type MaybeRefOrGetter } from 'vue'
import { onBeforeRouteLeave } from 'vue-router'
import { ElMessageBox } from 'element-plus'
import { request } from '../api'
import { versionOf } from './workflow/model'

// confirmed asks a yes/no question in a warning box: true when the user says yes.
export async function confirmed(message: string, yes: string, no: string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, { type: 'warning', confirmButtonText: yes, cancelButtonText: no })
    return true
  } catch { return false }
}

// useLeaveGuard asks before leaving the page while there are unsaved changes (texts come translated, read on leaving).
export function useLeaveGuard(dirty: MaybeRefOrGetter<boolean>, texts: () => { message: string; leave: string; stay: string }) {
  onBeforeRouteLeave(() => {
    if (!toValue(dirty)) return true
    const { message, leave, stay } = texts()
    return confirmed(message, leave, stay)
  })
}

// A row of a definitions list: its active switch saves the whole document with If-Match.
export interface ActiveRow { name: string; active: boolean; version: number; document: object; busy: boolean }

// saveActive turns a row's document on or off at base/<name> and keeps the saved document and its version; it
// throws what the server said.
export async function saveActive(base: string, r: ActiveRow, on: boolean): Promise<void> {
  r.busy = true
  try {
    const res = await request<any>(`${base}/${encodeURIComponent(r.name)}`, { method: 'PUT', body: { ...r.document, active: on }, ifMatch: r.version })
    r.active = on
    r.document = res.data
    r.version = versionOf(res.etag) || r.version + 1
  } finally {
    r.busy = false
  }
}
