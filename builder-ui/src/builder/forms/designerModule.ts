// The form designer's code (@form-create/designer and its two locales, in their own chunk) loaded once: the list of
// forms starts loading it while the analyst chooses an entity, so that opening a designer does not wait for it.
let loading: Promise<[any, any, any]> | undefined

export function loadDesigner(): Promise<[any, any, any]> {
  loading ||= Promise.all([
    import('@form-create/designer'),
    import('@form-create/designer/src/locale/en.js'),
    import('@form-create/designer/src/locale/zh-cn.js'),
  ]).catch(e => { loading = undefined; throw e })
  return loading
}

// preloadDesigner loads it when the browser is idle (or soon, where there is no requestIdleCallback).
export function preloadDesigner() {
  const go = () => { loadDesigner().catch(() => { /* the designer's own page reports it */ }) }
  if ('requestIdleCallback' in window) window.requestIdleCallback(go, { timeout: 2000 })
  else setTimeout(go, 200)
}
