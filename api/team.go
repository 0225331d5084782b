package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Every signed-in user may read teams (name, parent, manager: the
// organisation chart); only administrators change them.

func (s *Server) listTeams(c *fiber.Ctx) error {
	if err := knownParams(c, pageParams); err != nil {
		return err
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	teams, next, err := s.ids.ListTeams(ctx, c.Query("after"), limit)
	if err != nil {
		return err
	}
	page := fiber.Map{"items": teams}
	if next != "" {
		page["next"] = next
	}
	return writeJSON(c, fiber.StatusOK, page)
}

func (s *Server) getTeam(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	t, err := s.ids.GetTeam(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(t.Version))
	return writeJSON(c, fiber.StatusOK, t)
}

func (s *Server) createTeam(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	in, _, err := decodeObject(c, maxUserBody)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	t, err := s.ids.CreateTeam(ctx, s.actor(c), in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(t.Version))
	c.Set(fiber.HeaderLocation, "/api/teams/"+t.ID)
	return writeJSON(c, fiber.StatusCreated, t)
}

func (s *Server) updateTeam(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	patch, _, err := decodeObject(c, maxUserBody)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	t, err := s.ids.UpdateTeam(ctx, s.actor(c), strings.Clone(c.Params("id")), patch, version)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(t.Version))
	return writeJSON(c, fiber.StatusOK, t)
}

func (s *Server) deleteTeam(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.ids.DeleteTeam(ctx, s.actor(c), strings.Clone(c.Params("id")), version); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
