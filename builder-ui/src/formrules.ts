// Compiles a Morph layout into form-create rules (the layout document stays Morph's own; form-create only renders).
import { text, fieldAccess, type EntityDef, type FieldDef } from './meta'
import type { Layout, LayoutCol } from './defs'

export interface FieldState { field: FieldDef; col: LayoutCol; access: string }

export type Validator = (field: string) => (rule: unknown, value: unknown, cb: (e?: Error) => void) => void

function widget(f: FieldDef, access: string, label: string): Record<string, any> {
  const disabled = access !== 'edit' || f.readOnly
  const base = { props: { disabled, 'aria-label': label, ariaLabel: label } as Record<string, any> }
  switch (f.type) {
    case 'textarea': return { type: 'input', ...base, props: { ...base.props, type: 'textarea', autosize: { minRows: 3, maxRows: 12 }, maxlength: f.schema.maxLength } }
    case 'json': return { type: 'input', ...base, props: { ...base.props, type: 'textarea', autosize: { minRows: 3, maxRows: 12 } } }
    case 'number': case 'percent': return { type: 'inputNumber', ...base, props: { ...base.props, controls: false, min: f.schema.minimum, max: f.schema.maximum } }
    case 'integer': return { type: 'inputNumber', ...base, props: { ...base.props, controls: false, precision: 0, min: f.schema.minimum, max: f.schema.maximum } }
    case 'currency': return { type: 'MorphCurrency', ...base, props: { ...base.props, defaultCurrency: f.currency || 'CNY' } }
    case 'boolean': return { type: 'switch', ...base }
    case 'date': return { type: 'datePicker', ...base, props: { ...base.props, type: 'date', valueFormat: 'YYYY-MM-DD' } }
    case 'datetime': return { type: 'datePicker', ...base, props: { ...base.props, type: 'datetime', valueFormat: 'YYYY-MM-DDTHH:mm:ssZ' } }
    case 'select': case 'multiselect':
      return { type: 'select', ...base, props: { ...base.props, multiple: f.type === 'multiselect', clearable: true, filterable: true },
        options: f.options.map(o => ({ value: o.value, label: text(o.label) })) }
    case 'tags':
      return { type: 'select', ...base, props: { ...base.props, multiple: true, filterable: true, allowCreate: true, defaultFirstOption: true },
        options: f.options.map(o => ({ value: o.value, label: text(o.label) })) }
    case 'user': return { type: 'MorphUser', ...base }
    case 'relation': return { type: 'MorphRelation', ...base, props: { ...base.props, refEntity: f.ref, multiple: f.many } }
    case 'phone': return { type: 'input', ...base, props: { ...base.props, type: 'tel', maxlength: f.schema.maxLength } }
    case 'email': return { type: 'input', ...base, props: { ...base.props, type: 'email', maxlength: f.schema.maxLength } }
    case 'url': return { type: 'input', ...base, props: { ...base.props, type: 'url', maxlength: f.schema.maxLength } }
    default: return { type: 'input', ...base, props: { ...base.props, maxlength: f.schema.maxLength, disabled: disabled || ['autonumber', 'formula', 'rollup'].includes(f.type) } }
  }
}

export function compileLayout(e: EntityDef, layout: Layout, validator: Validator, creating: boolean) {
  const states: Record<string, FieldState> = {}
  const sections: { name: string; visibleWhen?: string }[] = []
  const fieldRule = (c: LayoutCol): any => {
    if (c.text) return { type: 'div', col: { span: c.span || 24 }, class: 'layout-text', children: [text(c.text)] }
    const f = c.field ? e.byKey[c.field] : undefined
    if (!f) return null
    // A masked field is the user's to fill in on a new record (its value is theirs to give); once stored they
    // see it masked and may not change it.
    const shown = fieldAccess(e.name, f.key)
    const access = creating && shown === 'masked' ? 'edit' : shown
    if (access === 'hidden') return null
    if (creating && ['autonumber', 'formula', 'rollup'].includes(f.type)) return null
    states[f.key] = { field: f, col: c, access }
    const label = text(f.label)
    const w = widget(f, access, label)
    return {
      ...w, field: f.key, title: label, name: f.key, style: 'width: 100%',
      col: { span: c.span || 12, xs: 24 },
      info: c.help ? text(c.help) : undefined,
      validate: [{ validator: validator(f.key), trigger: 'change' }, ...(f.required && !f.readOnly && access === 'edit' ? [{ required: true, message: ' ', trigger: 'blur' }] : [])],
      wrap: { class: `mf-${f.key}` },
    }
  }
  const sectionRules = (tab: Layout['tabs'][number]) => tab.sections.map((s, i) => {
    const name = `section_${tab.id}_${s.id || i}`
    sections.push({ name, visibleWhen: s.visibleWhen })
    const children: any[] = []
    if (s.label && text(s.label)) children.push({ type: 'h3', class: 'section-title', children: [text(s.label)], col: { span: 24 } })
    for (const r of s.rows) for (const c of r.cols) { const x = fieldRule(c); if (x) children.push(x) }
    return { type: 'elRow', name, props: { gutter: 16 }, class: 'layout-section', children }
  })
  let rules: any[]
  if (layout.tabs.length > 1) {
    rules = [{ type: 'elTabs', props: { modelValue: layout.tabs[0].id }, style: 'width: 100%', col: { span: 24 }, children: layout.tabs.map(tab => ({
      // form-create drops the pane's own id, which the tab's aria-controls names: give it back.
      type: 'elTabPane', props: { label: text(tab.label) || tab.id, name: tab.id }, id: `pane-${tab.id}`, children: sectionRules(tab) })) }]
  } else {
    rules = layout.tabs.length ? sectionRules(layout.tabs[0]) : []
  }
  return { rules, states, sections }
}
