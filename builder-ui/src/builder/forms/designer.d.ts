// The form designer's locales ship as plain ES modules without types.
declare module '@form-create/designer/src/locale/en.js' { const locale: Record<string, any>; export default locale }
declare module '@form-create/designer/src/locale/zh-cn.js' { const locale: Record<string, any>; export default locale }
