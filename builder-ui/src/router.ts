import { createRouter, createWebHistory } from 'vue-router'
import { session, loadSession } from './meta'
import { builderRoutes } from './builder/routes'

const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/LoginPage.vue'), meta: { public: true } },
    {
      path: '/', component: () => import('./views/AppShell.vue'), children: [
        { path: '', name: 'home', component: () => import('./views/HomePage.vue') },
        { path: 'e/:entity', name: 'list', component: () => import('./views/ListPage.vue'), props: true },
        { path: 'e/:entity/new', name: 'create', component: () => import('./views/FormPage.vue'), props: true },
        { path: 'e/:entity/:id', name: 'record', component: () => import('./views/RecordPage.vue'), props: true },
        { path: 'e/:entity/:id/edit', name: 'edit', component: () => import('./views/FormPage.vue'), props: true },
        { path: 'builder', component: () => import('./builder/BuilderShell.vue'), meta: { admin: true }, children: builderRoutes },
      ],
    },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
})

// Every page but sign-in needs a session: load it once; without one (401) go to sign-in and come back after.
router.beforeEach(async to => {
  if (to.meta.public) return true
  if (!session.loaded) {
    try {
      await loadSession()
    } catch {
      return { name: 'login', query: { redirect: to.fullPath } }
    }
  }
  // The builder is for administrators; the server refuses its writes to anyone else anyway.
  if (to.matched.some(r => r.meta.admin) && !session.me?.permissions?.admin) return { name: 'home' }
  return true
})

export default router
