package identity

import (
	"context"
	"errors"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/password"
	"github.com/morphcrm/morph/engine/store"
)

// SetPassword checks a new password against the policy and stores its hash.
// Every session of the user ends, but the one whose id (SessionID) is keep;
// the user's API keys stay.
func (s *Service) SetPassword(ctx context.Context, actor engine.Actor, userID, pw, keep string) error {
	for attempt := 0; ; attempt++ {
		u, err := s.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		if errs := password.Check("/password", pw, u.Email, u.Name); len(errs) > 0 {
			return &morph.Error{Code: morph.EInvalid, Fields: errs, Text: morph.T("The password cannot be used", "该密码不能使用")}
		}
		h, err := password.Hash(pw, s.opts.Password)
		if err != nil {
			return storeError("hash password", err)
		}
		r, err := s.st.Get(ctx, collUsers, userID)
		if err != nil {
			return storeError("read user", err)
		}
		r.Data["password_hash"] = h
		r.Data["updated_at"] = s.now()
		r.Version++
		err = s.st.Update(ctx, collUsers, r, s.eng.AuditRecord(actor, engine.AuditEntry{Action: engine.AuditDefine, Kind: "user",
			Record: userID, Version: r.Version, Fields: []string{"password"}}))
		if errors.Is(err, store.ErrConflict) && attempt < 10 {
			continue
		}
		if err != nil {
			return storeError("set password", err)
		}
		return s.endSessions(ctx, userID, keep)
	}
}

// WrongCurrentPassword is the note of the audit entry of a password change
// refused for a wrong current password.
const WrongCurrentPassword = "wrong current password"

// ChangePassword lets the actor change their own password, given the
// current one; their other sessions end. A wrong current password is
// audited as a failed sign-in.
func (s *Service) ChangePassword(ctx context.Context, actor engine.Actor, current, next, keep string) error {
	u, err := s.GetUser(ctx, actor.ID)
	if err != nil {
		return err
	}
	hash := u.hash
	if hash == "" {
		hash = s.dummyHash()
	}
	if ok, _ := password.Verify(hash, current); !ok || u.hash == "" {
		// A failed check of the user's password, as a failed sign-in is:
		// someone holding the session may be guessing it.
		s.audit(ctx, actor, engine.AuditEntry{Action: engine.AuditLoginFailed, Kind: "session", Record: u.ID, Note: WrongCurrentPassword})
		return morph.Invalid(fieldError("/current", "wrong", morph.T("The current password is wrong", "当前密码错误")))
	}
	if current == next {
		return morph.Invalid(fieldError("/new", "same", morph.T("The new password must differ from the current one", "新密码必须与当前密码不同")))
	}
	if err := s.SetPassword(ctx, actor, actor.ID, next, keep); err != nil {
		if me := morph.AsError(err); me != nil {
			for i := range me.Fields {
				if me.Fields[i].Path == "/password" {
					me.Fields[i].Path = "/new"
				}
			}
		}
		return err
	}
	return nil
}

// endSessions ends every session of a user but keep.
func (s *Service) endSessions(ctx context.Context, userID, keep string) error {
	if keep == "" {
		keep = "-" // no session has this id: end them all, keys stay
	}
	return s.endAccess(ctx, userID, keep)
}
