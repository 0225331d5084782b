package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/identity"
)

const userUsage = `Usage:
  morph user create  --email E --name N [--roles a,b] [--team T] [--password-stdin]
  morph user passwd  --email E [--password-stdin]
  morph user disable --email E
  morph user list

Without --password-stdin a strong password is generated and printed once.
Every subcommand also takes --store (and MORPH_STORE). On the embedded store,
stop the server first; on MongoDB they work beside it.
`

// userCmd runs the user administration subcommands.
func userCmd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, userUsage)
		return nil
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	var c common
	c.register(fs)
	email := fs.String("email", "", "the user's e-mail address")
	name := fs.String("name", "", "the user's name (create)")
	roles := fs.String("roles", "", "comma-separated role names (create)")
	team := fs.String("team", "", "the team's id or name (create)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.example = "none" // managing users never installs an example
	readPassword := func() (string, error) {
		if !*pwStdin {
			return "", nil
		}
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		pw := strings.TrimRight(line, "\r\n")
		if pw == "" {
			return "", errors.New("no password on standard input")
		}
		return pw, nil
	}
	needEmail := func() error {
		if *email == "" {
			return fmt.Errorf("--email is required\n\n%s", userUsage)
		}
		return nil
	}
	log := c.logger()
	var run func(ctx context.Context, ids *identity.Service) error
	switch sub {
	case "create":
		if err := needEmail(); err != nil {
			return err
		}
		if *name == "" {
			return fmt.Errorf("--name is required\n\n%s", userUsage)
		}
		run = func(ctx context.Context, ids *identity.Service) error {
			pw, err := readPassword()
			if err != nil {
				return err
			}
			generated := pw == ""
			if generated {
				pw = identity.GeneratePassword(*email)
			}
			doc := map[string]any{"email": *email, "name": *name, "password": pw, "roles": []any{}}
			for _, r := range strings.Split(*roles, ",") {
				if r = strings.TrimSpace(r); r != "" {
					doc["roles"] = append(doc["roles"].([]any), r)
				}
			}
			if *team != "" {
				t, err := ids.FindTeam(ctx, *team)
				if err != nil {
					return explain(err)
				}
				doc["team"] = t.ID
			}
			u, err := ids.CreateUser(ctx, cliActor(), doc)
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(stdout, "created user %s (%s)\n", u.Email, u.ID)
			if generated {
				fmt.Fprintf(stdout, "password: %s\n(shown only this once)\n", pw)
			}
			return nil
		}
	case "passwd":
		if err := needEmail(); err != nil {
			return err
		}
		run = func(ctx context.Context, ids *identity.Service) error {
			u, err := ids.UserByEmail(ctx, *email)
			if err != nil {
				return explain(err)
			}
			pw, err := readPassword()
			if err != nil {
				return err
			}
			generated := pw == ""
			if generated {
				pw = identity.GeneratePassword(u.Email)
			}
			if err := ids.SetPassword(ctx, cliActor(), u.ID, pw, ""); err != nil {
				return explain(err)
			}
			fmt.Fprintf(stdout, "password of %s set; their sessions have ended\n", u.Email)
			if generated {
				fmt.Fprintf(stdout, "password: %s\n(shown only this once)\n", pw)
			}
			return nil
		}
	case "disable":
		if err := needEmail(); err != nil {
			return err
		}
		run = func(ctx context.Context, ids *identity.Service) error {
			u, err := ids.UserByEmail(ctx, *email)
			if err != nil {
				return explain(err)
			}
			if _, err := ids.UpdateUser(ctx, cliActor(), u.ID, map[string]any{"active": false}, 0); err != nil {
				return explain(err)
			}
			fmt.Fprintf(stdout, "user %s disabled; their sessions and API keys have ended\n", u.Email)
			return nil
		}
	case "list":
		run = func(ctx context.Context, ids *identity.Service) error {
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tE-MAIL\tNAME\tROLES\tTEAM\tACTIVE")
			after := ""
			for {
				users, next, err := ids.ListUsers(ctx, after, identity.MaxLimit)
				if err != nil {
					return explain(err)
				}
				for _, u := range users {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\n", u.ID, u.Email, u.Name, strings.Join(u.Roles, ","), u.Team, u.Active)
				}
				if after = next; after == "" {
					return w.Flush()
				}
			}
		}
	default:
		return fmt.Errorf("unknown subcommand %q\n\n%s", sub, userUsage)
	}
	eng, closeStore, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer closeStore()
	ids := identity.New(eng, identity.Options{Logger: log})
	if err := ids.Ensure(ctx); err != nil {
		return err
	}
	return run(ctx, ids)
}

// cliActor is who operator commands act as: the engine itself, marked as
// coming from the command line in the audit log.
func cliActor() engine.Actor {
	a := engine.System
	a.Via = identity.ViaCLI
	return a
}

// explain turns an error with field problems into one line per problem.
func explain(err error) error {
	me := morph.AsError(err)
	if me == nil || len(me.Fields) == 0 {
		return err
	}
	lines := []string{me.Text.EN}
	for _, f := range me.Fields {
		lines = append(lines, fmt.Sprintf("  %s: %s", f.Path, f.Text.EN))
	}
	return errors.New(strings.Join(lines, "\n"))
}
