package api

import "github.com/gofiber/fiber/v2"

func (s *Server) openAPI(c *fiber.Ctx) error {
	perms := s.eng.Permissions(s.actor(c))
	return writeJSON(c, fiber.StatusOK, OpenAPIFor(s.eng.Catalog(), &perms))
}
