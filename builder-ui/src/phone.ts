import { ref } from 'vue'
// isPhone follows the phone-width breakpoint (≤ 600 px): lists become cards, forms one column.
const mq = window.matchMedia('(max-width: 600px)')
export const isPhone = ref(mq.matches)
mq.addEventListener('change', e => { isPhone.value = e.matches })
