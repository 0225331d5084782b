package workflow

import (
	"context"
	"errors"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Notifications pages the caller's in-app notifications, newest first,
// with the number of unread ones.
func (s *Service) Notifications(ctx context.Context, actor engine.Actor, after string, limit int, unreadOnly bool) (RunPage, int64, error) {
	mine := query.Expr(query.Cmp{Field: "user", Op: query.Eq, Value: actor.ID})
	unread := query.AndOf(mine, query.Cmp{Field: "read", Op: query.Eq, Value: false})
	filter := mine
	if unreadOnly {
		filter = unread
	}
	p, err := s.page(ctx, collNotifications, "at", false, filter, after, limit)
	if err != nil {
		return RunPage{}, 0, err
	}
	n, err := s.st.Count(ctx, collNotifications, unread)
	if err != nil {
		return RunPage{}, 0, err
	}
	for _, it := range p.Items {
		delete(it, "user")
	}
	return p, n, nil
}

// MarkRead marks one of the caller's notifications read; another user's is
// not found.
func (s *Service) MarkRead(ctx context.Context, actor engine.Actor, id string) error {
	for range 5 {
		rec, err := s.st.Get(ctx, collNotifications, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && rec.Data["user"] != actor.ID {
			return morph.Errorf(morph.ENotFound, "Notification not found", "通知不存在")
		}
		if err != nil {
			return err
		}
		if rec.Data["read"] == true {
			return nil
		}
		ok, err := s.save(ctx, collNotifications, &rec, map[string]any{"read": true})
		if err != nil || ok {
			return err
		}
	}
	return morph.Errorf(morph.EConflict, "The notification is being changed; try again", "通知正在被修改，请重试")
}
