import { en as entitiesEn, zh as entitiesZh } from './entities/messages'
import { en as formsEn, zh as formsZh } from './forms/messages'
import { en as accessEn, zh as accessZh } from './access/messages'
import { en as workflowEn, zh as workflowZh } from './workflow/messages'
import { en as slasEn, zh as slasZh } from './sla/messages'

// The builder's messages, in English and Chinese; each part of the builder keeps its own and adds them here.
export const builderEn = {
  builder: { title: 'Builder', home: 'Reshape the CRM: entities and fields, forms, views, users, teams and roles.', nav: 'Builder navigation' },
  ...entitiesEn,
  ...formsEn,
  ...accessEn,
  ...workflowEn,
  ...slasEn,
}

export const builderZh: typeof builderEn = {
  builder: { title: '搭建', home: '按业务调整 CRM：实体与字段、表单、视图、用户、团队与角色。', nav: '搭建导航' },
  ...entitiesZh,
  ...formsZh,
  ...accessZh,
  ...workflowZh,
  ...slasZh,
}
