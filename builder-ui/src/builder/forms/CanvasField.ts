// A field as the form designer's canvas shows it: its label (with a mark when required), an empty box and its help.
// It has no value, no form item and no input of its own, so a canvas of many fields stays quick to build; the
// preview shows the widgets end users get.
import { defineComponent, h } from 'vue'

export default defineComponent({
  name: 'MorphCanvasField',
  props: {
    fieldKey: { type: String, default: '' },
    label: { type: String, default: '' },
    required: { type: Boolean, default: false },
    help: { type: String, default: '' },
    multiline: { type: Boolean, default: false },
    formCreateInject: { type: Object, default: undefined },
  },
  setup(props) {
    return () => h('div', { class: ['mcf', `mf-${props.fieldKey}`] }, [
      h('div', { class: 'mcf-label' }, props.required ? [h('span', { class: 'mcf-req', 'aria-hidden': 'true' }, '*'), props.label] : props.label),
      h('div', { class: props.multiline ? 'mcf-box mcf-area' : 'mcf-box' }),
      props.help ? h('div', { class: 'mcf-help' }, props.help) : null,
    ])
  },
})
