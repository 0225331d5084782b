package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
)

// renameRequest is the body of POST /api/entities/{name}/rename.
type renameRequest struct {
	Name string `json:"name"`
}

// renameEntity gives an entity without records another name (engine.RenameEntity): 200 with the definition under
// its new name, 409 once it has records or while other definitions refer to it. If-Match applies.
func (s *Server) renameEntity(c *fiber.Ctx) error {
	b, err := body(c, 4<<10)
	if err != nil {
		return err
	}
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req renameRequest
	if err := decodeJSON(b, &req); err != nil {
		return err
	}
	if req.Name == "" {
		return morph.Invalid(morph.FieldError{Path: "/name", Code: "required", Offset: -1, Text: morph.T("The new name is required", "必须提供新名称")})
	}
	to := strings.Clone(req.Name)
	ctx, cancel := s.ctx(c)
	defer cancel()
	res, err := s.eng.RenameEntity(ctx, s.actor(c), strings.Clone(c.Params("name")), to, engine.IfVersion(want))
	if err != nil {
		return err
	}
	def, _, _ := s.eng.Catalog().Definition(to)
	c.Set(fiber.HeaderETag, etag(res.Version))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(fiber.StatusOK).SendString(def)
}
