package api

import (
	"io/fs"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

const noUIPage = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Morph</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>Morph</h1>
<p>The API is running: see <a href="/api/openapi.json">/api/openapi.json</a>.</p>
<p>The builder UI is not built into this binary. Run <code>make run</code>, which builds it, or
<code>make ui</code> and rebuild the binary.</p>
<p lang="zh-CN">API 已运行。此程序未内置构建器界面：请运行 <code>make run</code>（会自动构建界面），或先运行
<code>make ui</code> 再重新编译。</p></body></html>`

// mountUI serves the builder UI, falling back to index.html for the
// client-side routes, or a page that says how to build it.
func (s *Server) mountUI(app *fiber.App) {
	ui := s.opts.UI
	if ui != nil {
		if _, err := fs.Stat(ui, "index.html"); err != nil {
			ui = nil
		}
	}
	if ui == nil {
		app.Get("/*", func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return c.SendString(noUIPage)
		})
		return
	}
	app.Use("/", filesystem.New(filesystem.Config{
		Root:         http.FS(ui),
		Index:        "index.html",
		NotFoundFile: "index.html",
		MaxAge:       300,
	}))
}
