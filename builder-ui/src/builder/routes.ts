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

// The form layout designer (its canvas, @form-create/designer, loads in its own chunk on its route only).
sections.push({ name: 'builder-forms', label: 'forms.title' })
builderRoutes.push(
  { path: 'forms', name: 'builder-forms', component: () => import('./forms/FormsHome.vue') },
  { path: 'forms/:entity', name: 'builder-form', component: () => import('./forms/FormDesigner.vue'), props: true, meta: { section: 'builder-forms' } },
)

// Users, teams, roles (with their field access and "view as") and the audit log.
sections.push({ name: 'builder-users', label: 'access.users' }, { name: 'builder-teams', label: 'access.teams' },
  { name: 'builder-roles', label: 'access.roles' }, { name: 'builder-audit', label: 'access.audit' })
builderRoutes.push(
  { path: 'users', name: 'builder-users', component: () => import('./access/UsersPage.vue') },
  { path: 'teams', name: 'builder-teams', component: () => import('./access/TeamsPage.vue') },
  { path: 'roles', name: 'builder-roles', component: () => import('./access/RolesPage.vue') },
  { path: 'roles/:name', name: 'builder-role', component: () => import('./access/RoleEditor.vue'), props: true, meta: { section: 'builder-roles' } },
  { path: 'new-role', name: 'builder-role-new', component: () => import('./access/RoleEditor.vue'), meta: { section: 'builder-roles' } },
  { path: 'audit', name: 'builder-audit', component: () => import('./access/AuditPage.vue') },
)

// Workflow rules (editor, dry run, run log, deliveries) and the business calendars.
sections.push({ name: 'builder-workflows', label: 'workflow.title' }, { name: 'builder-calendars', label: 'workflow.calendars.title' })
builderRoutes.push(
  { path: 'workflows', name: 'builder-workflows', component: () => import('./workflow/RuleList.vue') },
  { path: 'workflows/new', name: 'builder-workflow-new', component: () => import('./workflow/RuleEditor.vue'), meta: { section: 'builder-workflows' } },
  { path: 'workflows/:name', name: 'builder-workflow', component: () => import('./workflow/RuleEditor.vue'), props: true, meta: { section: 'builder-workflows' } },
  { path: 'calendars', name: 'builder-calendars', component: () => import('./workflow/CalendarList.vue') },
  { path: 'calendars/new', name: 'builder-calendar-new', component: () => import('./workflow/CalendarEditor.vue'), meta: { section: 'builder-calendars' } },
  { path: 'calendars/:name', name: 'builder-calendar', component: () => import('./workflow/CalendarEditor.vue'), props: true, meta: { section: 'builder-calendars' } },
)

// SLA policies: targets per priority on a calendar, the conditions that stop the clock, the fields they keep.
sections.push({ name: 'builder-slas', label: 'slas.title' })
builderRoutes.push(
  { path: 'slas', name: 'builder-slas', component: () => import('./sla/SlaList.vue') },
  { path: 'slas/new', name: 'builder-sla-new', component: () => import('./sla/SlaEditor.vue'), meta: { section: 'builder-slas' } },
  { path: 'slas/:name', name: 'builder-sla', component: () => import('./sla/SlaEditor.vue'), props: true, meta: { section: 'builder-slas' } },
)
