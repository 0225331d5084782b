package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/identity"
)

// demoTeam is a team of the example company.
type demoTeam struct{ name, parent string }

// The example company's teams: East China sales with two sub-teams, and
// customer service.
var demoTeams = []demoTeam{
	{"华东销售部", ""},
	{"上海销售组", "华东销售部"},
	{"杭州销售组", "华东销售部"},
	{"客服部", ""},
}

// demoPerson is a user of the example company.
type demoPerson struct {
	email, name, team, role string
	manages                 string // the team they manage
}

var demoPeople = []demoPerson{
	{"wang.manager@example.com", "王建国", "华东销售部", "sales_manager", "华东销售部"},
	{"li.rep@example.com", "李娜", "上海销售组", "sales_rep", ""},
	{"zhang.rep@example.com", "张伟", "上海销售组", "sales_rep", ""},
	{"liu.rep@example.com", "刘洋", "上海销售组", "sales_rep", ""},
	{"chen.rep@example.com", "陈静", "杭州销售组", "sales_rep", ""},
	{"yang.rep@example.com", "杨帆", "杭州销售组", "sales_rep", ""},
	{"zhao.rep@example.com", "赵磊", "杭州销售组", "sales_rep", ""},
	{"zhou.service@example.com", "周敏", "客服部", "service_agent", "客服部"},
	{"wu.service@example.com", "吴婷", "客服部", "service_agent", ""},
	{"sun.audit@example.com", "孙立", "", "auditor", ""},
}

// ensureDemoPeople makes the example company's teams and users, those not
// there yet, and returns the ids of the sales reps, who own the demo
// records. A new user's password is generated and logged this once: no demo
// account has a password anyone could know in advance.
func ensureDemoPeople(ctx context.Context, ids *identity.Service, log *slog.Logger) ([]string, error) {
	if err := ids.Ensure(ctx); err != nil {
		return nil, err
	}
	teams := map[string]identity.Team{}
	for _, t := range demoTeams {
		team, err := ids.FindTeam(ctx, t.name)
		if morph.ErrorCode(err) == morph.ENotFound {
			in := map[string]any{"name": t.name}
			if t.parent != "" {
				in["parent"] = teams[t.parent].ID
			}
			team, err = ids.CreateTeam(ctx, engine.System, in)
		}
		if err != nil {
			return nil, fmt.Errorf("demo team %s: %w", t.name, err)
		}
		teams[t.name] = team
	}
	var reps []string
	for _, p := range demoPeople {
		u, err := ids.UserByEmail(ctx, p.email)
		if morph.ErrorCode(err) == morph.ENotFound {
			pw := identity.GeneratePassword(p.email)
			in := map[string]any{"email": p.email, "name": p.name, "roles": []any{p.role}, "language": "zh-CN", "password": pw}
			if p.team != "" {
				in["team"] = teams[p.team].ID
			}
			if u, err = ids.CreateUser(ctx, engine.System, in); err == nil {
				log.Warn("demo user created: its password is shown only this once", "email", p.email, "name", p.name,
					"role", p.role, "password", pw)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", p.email, err)
		}
		if p.manages != "" && teams[p.manages].Manager == "" {
			t := teams[p.manages]
			if t, err = ids.UpdateTeam(ctx, engine.System, t.ID, map[string]any{"manager": u.ID}, 0); err != nil {
				return nil, fmt.Errorf("demo team %s: %w", p.manages, err)
			}
			teams[p.manages] = t
		}
		if p.role == "sales_rep" {
			reps = append(reps, u.ID)
		}
	}
	return reps, nil
}
