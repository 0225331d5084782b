import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import App from './App.vue'
import router from './router'
import { i18n } from './i18n'
import { setUnauthorizedHandler } from './api'
import { clearSession } from './meta'
import './style.css'

// A 401 anywhere (the session ended): back to sign-in, then to the page the user was on.
setUnauthorizedHandler(() => {
  const current = router.currentRoute.value
  if (current.name === 'login') return
  clearSession()
  router.replace({ name: 'login', query: { redirect: current.fullPath, expired: '1' } })
})

createApp(App).use(ElementPlus).use(i18n).use(router).mount('#app')
