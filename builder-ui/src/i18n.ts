import { createI18n } from 'vue-i18n'
import { builderEn, builderZh } from './builder/messages'
import { viewsEn, viewsZh } from './components/viewsetup/messages'

const en = {
  app: { builder: 'Builder', language: 'Language', signOut: 'Sign out', menu: 'Menu', navigation: 'Main navigation', skip: 'Skip to content' },
  login: { title: 'Sign in to Morph', email: 'E-mail', password: 'Password', submit: 'Sign in', expired: 'Your session has ended. Please sign in again.' },
  list: {
    new: 'New', search: 'Search', searchPlaceholder: 'Search {fields}', filter: 'Filter', total: '{n} record | {n} records',
    prev: 'Previous', next: 'Next', pageSize: 'Rows per page', view: 'View',
    bulkEdit: 'Edit selected', bulkDelete: 'Delete selected',
    selected: '{n} selected', confirmDelete: 'Delete {n} records? This cannot be undone.', empty: 'No records',
    deleted: '{n} deleted', updated: '{n} updated', field: 'Field', value: 'Value', apply: 'Apply',
    failed: '{n} failed: {reason}',
    selectRow: 'Select row', open: 'Open',
  },
  filter: {
    addCondition: 'Add condition', addGroup: 'Add group', all: 'All of', any: 'Any of', remove: 'Remove', clear: 'Clear',
    apply: 'Apply', ops: {
      '==': 'is', '!=': 'is not', '>': 'greater than', '>=': 'at least', '<': 'less than', '<=': 'at most',
      contains: 'contains', startsWith: 'starts with', in: 'is any of', has: 'includes', empty: 'is empty', notEmpty: 'is not empty',
    },
  },
  record: {
    edit: 'Edit', delete: 'Delete', history: 'History', activities: 'Activity',
    noHistory: 'No changes recorded', noActivities: 'No activity yet', created: 'created the record', updated: 'changed',
    deletedRecord: 'deleted the record', confirmDelete: 'Delete this record? This cannot be undone.',
    newRelated: 'New {entity}', noRelated: 'None', more: 'All {n}', planned: 'Planned',
  },
  form: {
    create: 'New {entity}', edit: 'Edit {entity}', save: 'Save', cancel: 'Cancel', saved: 'Saved',
    stale: 'Someone else changed this record while you were editing it.', reload: 'Reload',
    unsaved: 'You have unsaved changes. Leave this page and lose them?', leave: 'Leave', stay: 'Stay',
    required: '{field} is required', fix: 'Please correct the highlighted fields.', search: 'Type to search',
    currency: 'Currency', amount: 'Amount', invalidJson: 'Not valid JSON',
    noCreate: 'You may not create {entity} records.', noEdit: 'You may not edit {entity} records.', backToList: 'Back to {entity}',
  },
  kanban: { hiddenGroups: 'Hidden groups', moved: 'Moved', refused: 'The move was refused: {reason}' },
  common: { yes: 'Yes', no: 'No', ok: 'OK', cancel: 'Cancel', loading: 'Loading…', error: 'Error' },
  sla: { title: 'SLA', response: 'First response', resolution: 'Resolution', left: '{d} left', overdue: 'overdue by {d}', workLeft: '{h} working hours left', metAt: 'met {at}', dh: '{d} d {h} h', hm: '{h} h {m} min', m: '{m} min',
    state: { running: 'On track', 'due-soon': 'Due soon', paused: 'Paused', met: 'Met', breached: 'Breached', none: 'No target' } },
}

const zh: typeof en = {
  app: { builder: '搭建', language: '语言', signOut: '退出登录', menu: '菜单', navigation: '主导航', skip: '跳到正文' },
  login: { title: '登录 Morph', email: '电子邮箱', password: '密码', submit: '登录', expired: '会话已结束，请重新登录。' },
  list: {
    new: '新建', search: '搜索', searchPlaceholder: '搜索{fields}', filter: '筛选', total: '共 {n} 条',
    prev: '上一页', next: '下一页', pageSize: '每页条数', view: '视图',
    bulkEdit: '批量编辑', bulkDelete: '批量删除',
    selected: '已选 {n} 条', confirmDelete: '确定删除 {n} 条记录？此操作不可撤销。', empty: '暂无记录',
    deleted: '已删除 {n} 条', updated: '已更新 {n} 条', field: '字段', value: '值', apply: '应用',
    failed: '{n} 条失败：{reason}',
    selectRow: '选择此行', open: '打开',
  },
  filter: {
    addCondition: '添加条件', addGroup: '添加条件组', all: '满足全部', any: '满足任一', remove: '移除', clear: '清空',
    apply: '应用', ops: {
      '==': '等于', '!=': '不等于', '>': '大于', '>=': '不小于', '<': '小于', '<=': '不大于',
      contains: '包含', startsWith: '开头是', in: '属于', has: '含有', empty: '为空', notEmpty: '不为空',
    },
  },
  record: {
    edit: '编辑', delete: '删除', history: '变更历史', activities: '跟进动态',
    noHistory: '暂无变更记录', noActivities: '暂无跟进记录', created: '创建了记录', updated: '修改了',
    deletedRecord: '删除了记录', confirmDelete: '确定删除此记录？此操作不可撤销。',
    newRelated: '新建{entity}', noRelated: '无', more: '全部 {n} 条', planned: '计划中',
  },
  form: {
    create: '新建{entity}', edit: '编辑{entity}', save: '保存', cancel: '取消', saved: '已保存',
    stale: '您编辑期间，其他人修改了此记录。', reload: '重新加载',
    unsaved: '有未保存的修改，确定离开并放弃修改？', leave: '离开', stay: '留下',
    required: '{field}为必填项', fix: '请更正标出的字段。', search: '输入以搜索',
    currency: '币种', amount: '金额', invalidJson: '不是有效的 JSON',
    noCreate: '您无权新建{entity}记录。', noEdit: '您无权编辑{entity}记录。', backToList: '返回{entity}列表',
  },
  kanban: { hiddenGroups: '隐藏的分组', moved: '已移动', refused: '移动被拒绝：{reason}' },
  common: { yes: '是', no: '否', ok: '确定', cancel: '取消', loading: '加载中…', error: '错误' },
  sla: { title: 'SLA 时限', response: '首次响应', resolution: '解决', left: '剩余 {d}', overdue: '已超时 {d}', workLeft: '剩余 {h} 个工作小时', metAt: '达成于 {at}', dh: '{d} 天 {h} 小时', hm: '{h} 小时 {m} 分钟', m: '{m} 分钟',
    state: { running: '进行中', 'due-soon': '即将到期', paused: '已暂停', met: '已达成', breached: '已超时', none: '无目标' } },
}

export type Lang = 'en' | 'zh-CN'

export function initialLanguage(): Lang {
  const saved = localStorage.getItem('morph.language')
  if (saved === 'en' || saved === 'zh-CN') return saved
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLanguage(),
  fallbackLocale: 'en',
  messages: { en: { ...en, ...builderEn, ...viewsEn }, 'zh-CN': { ...zh, ...builderZh, ...viewsZh } },
})
