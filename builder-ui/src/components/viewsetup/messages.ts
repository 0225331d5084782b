// The messages of the view set-up (list and kanban), in English and Chinese, under the one key `views`.
export const viewsEn = {
  views: {
    setup: 'Set up view', title: 'Set up view: {name}', newTitle: 'New view', name: 'Name',
    type: 'Type', list: 'List', kanban: 'Kanban', columns: 'Columns', cardFields: 'Card fields', groupBy: 'Group by',
    hiddenGroups: 'Hidden groups', filter: 'Default filter', sort: 'Sort', pageSize: 'Page size', sharing: 'Who sees it',
    addSort: 'Add sort field', ascending: 'Ascending', descending: 'Descending', sortField: 'Sort field {n}', sortDir: 'Direction of sort field {n}',
    removeSort: 'Remove sort field {n}', filterText: 'Filter expression', filterTextHelp: 'This filter is more than the builder shows; edit it as an expression.',
    useBuilder: 'Edit with the builder', save: 'Save', saveAsNew: 'Save as new view', delete: 'Delete view', close: 'Close',
    drag: 'Drag to reorder', moveUp: 'Move {f} up', moveDown: 'Move {f} down', removeField: 'Remove {f}', addField: 'Add a field…',
    addTo: 'Add to {what}', atMost: 'At most {n}', nameRequired: 'Give the view a name in English or Chinese',
    columnsRequired: 'A list view needs at least one column', groupByRequired: 'A kanban needs a field to group by',
    notServed: 'No index serves this filter and sort: on a large entity the list reads every record to answer.',
    served: 'An index serves this filter and sort ({index}).',
    addIndex: 'Add the index ({fields})', indexAdded: 'Index added: {fields}', askAdmin: 'An administrator can add the index ({fields}).',
    saved: 'View saved', deleted: 'View deleted', confirmDelete: 'Delete the view "{name}"?', mine: 'Only me', everyone: 'Everyone who may read {entity}',
    cannotEdit: 'This view is generated or someone else\'s: save your changes as a new view.',
    problems: 'The view has problems; see the marked settings.',
    selectAll: 'Select all rows on this page', selectRecord: 'Select {title}', sortBy: 'Sort by {f}',
    resize: 'Width of the {f} column', noOwnerColumn: 'No owner', unsaved: 'The list has changes not saved in the view',
  },
}

export const viewsZh: typeof viewsEn = {
  views: {
    setup: '设置视图', title: '设置视图：{name}', newTitle: '新视图', name: '名称',
    type: '类型', list: '列表', kanban: '看板', columns: '列', cardFields: '卡片字段', groupBy: '分组字段',
    hiddenGroups: '隐藏的分组', filter: '默认筛选', sort: '排序', pageSize: '每页条数', sharing: '谁可以看到',
    addSort: '添加排序字段', ascending: '升序', descending: '降序', sortField: '排序字段 {n}', sortDir: '排序字段 {n} 的方向',
    removeSort: '移除排序字段 {n}', filterText: '筛选表达式', filterTextHelp: '此筛选超出了筛选构建器能表示的范围，请以表达式编辑。',
    useBuilder: '用构建器编辑', save: '保存', saveAsNew: '另存为新视图', delete: '删除视图', close: '关闭',
    drag: '拖动以排序', moveUp: '上移 {f}', moveDown: '下移 {f}', removeField: '移除 {f}', addField: '添加字段…',
    addTo: '添加到{what}', atMost: '最多 {n} 个', nameRequired: '请填写视图的英文或中文名称',
    columnsRequired: '列表视图至少需要一列', groupByRequired: '看板需要一个分组字段',
    notServed: '没有索引支持此筛选和排序：数据量大时，列表需要读取全部记录才能回答。',
    served: '已有索引支持此筛选和排序（{index}）。',
    addIndex: '添加索引（{fields}）', indexAdded: '已添加索引：{fields}', askAdmin: '管理员可以添加索引（{fields}）。',
    saved: '视图已保存', deleted: '视图已删除', confirmDelete: '删除视图“{name}”？', mine: '仅自己', everyone: '所有可查看{entity}的用户',
    cannotEdit: '此视图是系统生成的或属于他人：请将更改另存为新视图。',
    problems: '视图有问题，请查看标出的设置。',
    selectAll: '选择本页全部行', selectRecord: '选择 {title}', sortBy: '按{f}排序',
    resize: '{f}列的宽度', noOwnerColumn: '无负责人', unsaved: '列表有未保存到视图的更改',
  },
}
