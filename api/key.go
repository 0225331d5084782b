package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/identity"
)

// createKey makes an API key that acts as the caller. The key is in the
// answer once; afterwards only its prefix is shown.
func (s *Server) createKey(c *fiber.Ctx) error {
	if s.actor(c).Via == identity.ViaKey {
		// A key that leaked must not be able to make more keys, which would
		// outlive its revocation.
		return morph.Errorf(morph.EForbidden, "An API key cannot make API keys; sign in to make one",
			"API 密钥不能创建新的 API 密钥；请登录后创建")
	}
	in, _, err := decodeObject(c, maxAuthBody)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	k, secret, err := s.ids.CreateKey(ctx, s.actor(c), in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/api/keys/"+k.ID)
	return writeJSON(c, fiber.StatusCreated, newKey{k, secret})
}

// listKeys lists the caller's keys; an administrator sees everyone's, or
// one user's with ?user=.
func (s *Server) listKeys(c *fiber.Ctx) error {
	if err := knownParams(c, []string{"user"}); err != nil {
		return err
	}
	actor := s.actor(c)
	user := strings.Clone(c.Query("user"))
	switch {
	case !actor.IsAdmin() && user != "" && user != actor.ID:
		return forbidden()
	case !actor.IsAdmin():
		user = actor.ID
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	keys, err := s.ids.ListKeys(ctx, user)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, fiber.Map{"items": keys})
}

func (s *Server) revokeKey(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.ids.RevokeKey(ctx, s.actor(c), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// newKey is a key as made: with its secret, this once.
type newKey struct {
	identity.Key
	Secret string `json:"key"`
}
