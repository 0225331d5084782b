// The analyst's builder: its pages live under /builder, for administrators only. Each part of the builder keeps
// its routes in its own file and adds them here.
import type { RouteRecordRaw } from 'vue-router'

export interface BuilderSection {
  name: string // the route name the sub-navigation links to
  label: string // an i18n key
}

// sections are the builder's sub-navigation, in order.
export const sections: BuilderSection[] = []
sections.push({ name: 'builder-entities', label: 'entities.title' })

export const builderRoutes: RouteRecordRaw[] = [
  { path: '', name: 'builder', component: () => import('./BuilderHome.vue') },
  { path: 'entities', name: 'builder-entities', component: () => import('./entities/EntityList.vue') },
  { path: 'entities/new', name: 'builder-entity-new', component: () => import('./entities/EntityEditor.vue'), meta: { section: 'builder-entities' } },
  { path: 'entities/:name', name: 'builder-entity', component: () => import('./entities/EntityEditor.vue'), props: true, meta: { section: 'builder-entities' } },
]
