package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/identity"
)

// maxUserBody bounds the body of a user or team write.
const maxUserBody = 64 << 10

// pageParams are the query parameters of the user and team lists.
var pageParams = []string{"after", "limit"}

// userBrief is what every signed-in user may see of another user: enough
// for a user picker, no contact details or roles.
type userBrief struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Team string `json:"team,omitempty"`
}

func brief(u identity.User) userBrief { return userBrief{ID: u.ID, Name: u.Name, Team: u.Team} }

// meBody is the signed-in user and what they may do.
type meBody struct {
	identity.User
	Permissions engine.Permissions `json:"permissions"`
}

func (s *Server) getMe(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	actor := s.actor(c)
	u, err := s.ids.GetUser(ctx, actor.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(u.Version))
	return writeJSON(c, fiber.StatusOK, meBody{User: u, Permissions: s.eng.Permissions(actor)})
}

// updateMe lets users change their own name, phone and language.
func (s *Server) updateMe(c *fiber.Ctx) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	patch, _, err := decodeObject(c, maxAuthBody)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	actor := s.actor(c)
	u, err := s.ids.UpdateProfile(ctx, actor, patch, version)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(u.Version))
	return writeJSON(c, fiber.StatusOK, meBody{User: u, Permissions: s.eng.Permissions(actor)})
}

type passwordChange struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// changeMyPassword changes the caller's password given the current one.
// Wrong current passwords count towards the account's lock-out, like
// failed sign-ins. The caller's other sessions end.
func (s *Server) changeMyPassword(c *fiber.Ctx) error {
	b, err := body(c, maxAuthBody)
	if err != nil {
		return err
	}
	var req passwordChange
	if err := decodeJSON(b, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	actor := s.actor(c)
	u, err := s.ids.GetUser(ctx, actor.ID)
	if err != nil {
		return err
	}
	addr := s.clientAddr(c)
	at, err := takeSignIn(c, s.signInKeys(u.Email, addr, false))
	if err != nil {
		return err
	}
	err = s.ids.ChangePassword(ctx, actor, req.Current, req.New, sessionID(c))
	if me := morph.AsError(err); me != nil && len(me.Fields) > 0 && me.Fields[0].Path == "/current" {
		s.failed(ctx, at, u.Email, addr)
	} else {
		at.refund()
	}
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	if err := knownParams(c, pageParams); err != nil {
		return err
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	users, next, err := s.ids.ListUsers(ctx, c.Query("after"), limit)
	if err != nil {
		return err
	}
	page := fiber.Map{"items": users}
	if !s.actor(c).IsAdmin() {
		briefs := make([]userBrief, len(users))
		for i, u := range users {
			briefs[i] = brief(u)
		}
		page["items"] = briefs
	}
	if next != "" {
		page["next"] = next
	}
	return writeJSON(c, fiber.StatusOK, page)
}

// getUser answers an administrator or the user themselves with the whole
// user, anyone else with the brief.
func (s *Server) getUser(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	u, err := s.ids.GetUser(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	if actor := s.actor(c); !actor.IsAdmin() && actor.ID != u.ID {
		return writeJSON(c, fiber.StatusOK, brief(u))
	}
	c.Set(fiber.HeaderETag, etag(u.Version))
	return writeJSON(c, fiber.StatusOK, u)
}

func (s *Server) createUser(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	in, _, err := decodeObject(c, maxUserBody)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	u, err := s.ids.CreateUser(ctx, s.actor(c), in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(u.Version))
	c.Set(fiber.HeaderLocation, "/api/users/"+u.ID)
	return writeJSON(c, fiber.StatusCreated, u)
}

func (s *Server) updateUser(c *fiber.Ctx) error {
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
	u, err := s.ids.UpdateUser(ctx, s.actor(c), strings.Clone(c.Params("id")), patch, version)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(u.Version))
	return writeJSON(c, fiber.StatusOK, u)
}

func (s *Server) deleteUser(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.ids.DeleteUser(ctx, s.actor(c), strings.Clone(c.Params("id")), version); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type passwordSet struct {
	Password string `json:"password"`
}

// setUserPassword lets an administrator set a user's password; the user's
// sessions end (the administrator's own stays when it is theirs).
func (s *Server) setUserPassword(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	b, err := body(c, maxAuthBody)
	if err != nil {
		return err
	}
	var req passwordSet
	if err := decodeJSON(b, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	id := strings.Clone(c.Params("id"))
	keep := ""
	if id == s.actor(c).ID {
		keep = sessionID(c)
	}
	if err := s.ids.SetPassword(ctx, s.actor(c), id, req.Password, keep); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// pageLimit reads the limit parameter of the user and team lists.
func pageLimit(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > identity.MaxLimit {
		return 0, &morph.Error{Code: morph.EInvalidFilter, Text: morph.T("limit must be between 1 and %d", "limit 必须在 1 到 %d 之间", identity.MaxLimit),
			Fields: []morph.FieldError{{Path: "limit", Code: "range", Offset: -1, Text: morph.T("limit must be between 1 and %d", "limit 必须在 1 到 %d 之间", identity.MaxLimit)}}}
	}
	return n, nil
}
