package api

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/morphcrm/morph"
)

const noUIPage = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Morph</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>Morph</h1>
<p>The API is running: see <a href="/api/openapi.json">/api/openapi.json</a>.</p>
<p>The builder UI is not built into this binary. Run <code>make run</code>, which builds it, or
<code>make ui</code> and rebuild the binary.</p>
<p lang="zh-CN">API 已运行。此程序未内置构建器界面：请运行 <code>make run</code>（会自动构建界面），或先运行
<code>make ui</code> 再重新编译。</p></body></html>`

// mountUI serves the builder UI, or a page that says how to build it. A
// path naming a file of the build gets the file: the hashed assets/ are
// cached for good, other files are revalidated. Any other path outside /api
// is a client-side route and gets index.html, never cached, so a new build is
// picked up at once. A missing asset is a 404, not the page (a browser would
// otherwise run HTML as a script).
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
	root := http.FS(ui)
	app.Get("/*", func(c *fiber.Ctx) error {
		p := path.Clean("/" + c.Path())
		if p != "/" {
			if st, err := fs.Stat(ui, p[1:]); err == nil && !st.IsDir() {
				if strings.HasPrefix(p, "/assets/") {
					c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
				} else {
					c.Set(fiber.HeaderCacheControl, "no-cache")
				}
				return filesystem.SendFile(c, root, p)
			}
			if strings.HasPrefix(p, "/assets/") {
				return morph.Errorf(morph.ENotFound, "No such file: %s", "没有此文件：%s", p)
			}
		}
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return filesystem.SendFile(c, root, "/index.html")
	})
}
