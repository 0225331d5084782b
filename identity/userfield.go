package identity

import (
	"context"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
)

// checkUserFields runs before every record write is stored (the engine's
// AfterValidate hook): a write by a user may set a user field — the owner
// among them — only to an active user, so that a record is never handed to
// someone who does not exist, and so drops out of every scope but the
// administrators'. A value kept as it was is not checked again (its user
// may have left since), and the engine's own writes (examples, demo data,
// imports by the operator, workflow actions) are not checked.
func (s *Service) checkUserFields(ctx context.Context, w *engine.Write) error {
	if w.Actor.IsSystem() {
		return nil
	}
	ent := s.eng.Catalog().Entity(w.Entity)
	if ent == nil {
		return nil
	}
	var errs []morph.FieldError
	check := func(name string, v any) error {
		id, _ := v.(string)
		if id == "" {
			return nil
		}
		if w.Old != nil {
			if was, _ := w.Old.Data[name].(string); was == id {
				return nil
			}
		}
		_, ok, err := s.Actor(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			errs = append(errs, morph.FieldError{Path: "/" + name, Code: "unknown_user",
				Text: morph.T("No active user has the id %q", "没有 ID 为 %q 的在职用户", id)})
		}
		return nil
	}
	for _, f := range ent.Fields {
		if f.Type.Name() == "user" {
			if err := check(f.Name, w.Data[f.Name]); err != nil {
				return err
			}
		}
	}
	if ent.Field("owner") == nil {
		if err := check("owner", w.Owner()); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return &morph.Error{Code: morph.EUnprocessable, Fields: errs,
			Text: morph.T("A user field names no active user", "用户字段指向的用户不存在或已停用")}
	}
	return nil
}
