package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// morphCmd runs the morph binary with stdin and returns its output.
func morphCmd(t *testing.T, stdin string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// loginStatus signs in at base and returns the status.
func loginStatus(t *testing.T, base, email, pw string) int {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"email": email, "password": pw})
	res, err := http.Post(base+"/api/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// The user commands: create (with a password from stdin or generated),
// list, passwd, disable — and the server honours what they did.
func TestUserCommands(t *testing.T) {
	store := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	out, err := morphCmd(t, "Stdin-password-31\n", nil, "user", "create", "--store", store, "--email", "Lee@Example.com",
		"--name", "Lee", "--roles", "admin", "--password-stdin")
	if err != nil || !strings.Contains(out, "created user lee@example.com") || strings.Contains(out, "Stdin-password") {
		t.Fatalf("create: %v\n%s", err, out)
	}
	out, err = morphCmd(t, "", nil, "user", "create", "--store", store, "--email", "mo@example.com", "--name", "Mo")
	generated := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if err != nil || generated == nil {
		t.Fatalf("create with a generated password: %v\n%s", err, out)
	}
	if out, err := morphCmd(t, "", nil, "user", "create", "--store", store, "--email", "x@example.com", "--name", "X", "--roles", "nosuch"); err == nil ||
		!strings.Contains(out, "/roles/0") {
		t.Fatalf("create with an unknown role: %v\n%s", err, out)
	}
	if out, err := morphCmd(t, "", nil, "user", "create", "--store", store, "--name", "X"); err == nil || !strings.Contains(out, "--email is required") {
		t.Fatalf("create without --email: %v\n%s", err, out)
	}
	out, err = morphCmd(t, "", nil, "user", "list", "--store", store)
	if err != nil || !strings.Contains(out, "lee@example.com") || !strings.Contains(out, "mo@example.com") || !strings.Contains(out, "admin") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err := morphCmd(t, "Changed-password-32\n", nil, "user", "passwd", "--store", store, "--email", "lee@example.com", "--password-stdin"); err != nil {
		t.Fatalf("passwd: %v\n%s", err, out)
	}
	if out, err := morphCmd(t, "", nil, "user", "disable", "--store", store, "--email", "mo@example.com"); err != nil || !strings.Contains(out, "disabled") {
		t.Fatalf("disable: %v\n%s", err, out)
	}

	if out, err := morphCmd(t, adminPassword+"\n", nil, "user", "create", "--store", store, "--email", adminEmail, "--name", "Admin",
		"--roles", "admin", "--password-stdin"); err != nil {
		t.Fatalf("create the tests' administrator: %v\n%s", err, out)
	}
	s := start(t, store) // users exist: no first administrator is made
	if strings.Contains(s.logs.String(), "first administrator") {
		t.Fatalf("a first administrator was made beside existing users:\n%s", s.logs)
	}
	if st := loginStatus(t, s.base, "lee@example.com", "Stdin-password-31"); st != 401 {
		t.Fatalf("old password: %d", st)
	}
	if st := loginStatus(t, s.base, "lee@example.com", "Changed-password-32"); st != 200 {
		t.Fatalf("new password: %d", st)
	}
	if st := loginStatus(t, s.base, "mo@example.com", generated[1]); st != 401 {
		t.Fatalf("disabled user: %d", st)
	}
}

// A server on a store without users and without MORPH_ADMIN_PASSWORD makes
// admin@localhost with a generated password, logged once; a password the
// policy refuses stops the server with a clear message.
func TestFirstAdmin(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "serve", "--addr", freeAddr(t), "--store", "sqlite:"+filepath.Join(dir, "weak.db"), "--example", "none")
	cmd.Env = append(os.Environ(), "MORPH_ADMIN_EMAIL=boss@example.com", "MORPH_ADMIN_PASSWORD=password")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "MORPH_ADMIN_PASSWORD") || !strings.Contains(string(out), "/password") {
		t.Fatalf("weak first password: %v\n%s", err, out)
	}

	addr := freeAddr(t)
	cmd = exec.Command(binary, "serve", "--addr", addr, "--store", "sqlite:"+filepath.Join(dir, "m.db"), "--example", "none")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	for i := 0; i < 1500 && loginReady(base) != nil; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	m := regexp.MustCompile(`first administrator created.*email=(\S+) password=(\S+)`).FindStringSubmatch(logs.String())
	if m == nil || m[1] != "admin@localhost" {
		t.Fatalf("no generated password in the log:\n%s", logs.String())
	}
	if st := loginStatus(t, base, "admin@localhost", m[2]); st != 200 {
		t.Fatalf("login with the generated password: %d", st)
	}
}

func loginReady(base string) error {
	res, err := http.Get(base + "/healthz")
	if err != nil {
		return err
	}
	res.Body.Close()
	return nil
}
