// Measures the UI against a running server (see docs/PERFORMANCE.md):
//   node builder-ui/e2e/measure.mjs http://127.0.0.1:8080 admin@localhost PASSWORD account
import { launch, measureList } from './helpers.mjs'

const [url, email, password, entity = 'account'] = process.argv.slice(2)
if (!password) { console.error('usage: node measure.mjs URL EMAIL PASSWORD [ENTITY]'); process.exit(2) }
const browser = await launch()
try {
  const ctx = await browser.newContext()
  const res = await ctx.request.post(`${url}/api/auth/login`, { data: { email, password } })
  if (!res.ok()) throw new Error(`sign-in: ${res.status()} ${await res.text()}`)
  const cookies = await ctx.cookies()
  for (let i = 0; i < 3; i++) console.log(JSON.stringify(await measureList(browser, url, cookies, entity)))
} finally { await browser.close() }
