// The analyst's builder: its pages live under /builder, for administrators only. Each part of the builder keeps
// its routes in its own file and adds them here.
import type { RouteRecordRaw } from 'vue-router'

export interface BuilderSection {
  name: string // the route name the sub-navigation links to
  label: string // an i18n key
}

// sections are the builder's sub-navigation, in order.
export const sections: BuilderSection[] = []

export const builderRoutes: RouteRecordRaw[] = [
  { path: '', name: 'builder', component: () => import('./BuilderHome.vue') },
]
