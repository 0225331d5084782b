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

// The form layout designer (its canvas, @form-create/designer, loads in its own chunk on its route only).
sections.push({ name: 'builder-forms', label: 'forms.title' })
builderRoutes.push(
  { path: 'forms', name: 'builder-forms', component: () => import('./forms/FormsHome.vue') },
  { path: 'forms/:entity', name: 'builder-form', component: () => import('./forms/FormDesigner.vue'), props: true, meta: { section: 'builder-forms' } },
)
