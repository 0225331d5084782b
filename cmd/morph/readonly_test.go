package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serveFails runs morph serve on store and returns its output, failing the
// test unless the server ends by itself with an error.
func serveFails(t *testing.T, store string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "serve", "--addr", freeAddr(t), "--store", store).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("morph serve on %s did not stop by itself:\n%s", store, out)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("morph serve on %s: %v\n%s", store, err, out)
	}
	return string(out)
}

// newStoreFile has a server create a store at path, with the example's
// definitions, and stop.
func newStoreFile(t *testing.T, path string) {
	t.Helper()
	s := start(t, "sqlite:"+path)
	s.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-s.done; err != nil {
		t.Fatalf("stop: %v\n%s", err, s.logs)
	}
	s.done <- nil
}

// immutable sets the immutable attribute on path for the rest of the test
// (it binds root too), skipping the test where the file system has none.
func immutable(t *testing.T, path string) {
	t.Helper()
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("chattr +i: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
}

// A store that cannot be written — the database file or its directory
// immutable, or a file system mounted read-only — is refused when the
// server starts, with a message that says so, instead of serving reads and
// failing every write with a generic 500.
func TestServeReadOnlyStore(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, dir string) // makes dir/m.db read-only
		want    string
	}{
		{"immutable file", func(t *testing.T, dir string) { immutable(t, filepath.Join(dir, "m.db")) }, "cannot be written"},
		{"immutable directory", func(t *testing.T, dir string) { immutable(t, dir) }, "cannot be written"},
		{"read-only mount", func(t *testing.T, dir string) {
			if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
				t.Skipf("mount: %v %s", err, out)
			}
			t.Cleanup(func() { exec.Command("umount", dir).Run() })
			newStoreFile(t, filepath.Join(dir, "m.db"))
			if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
				t.Skipf("remount read-only: %v %s", err, out)
			}
		}, "cannot be written"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			newStoreFile(t, filepath.Join(dir, "m.db"))
			tc.prepare(t, dir)
			out := serveFails(t, "sqlite:"+filepath.Join(dir, "m.db"))
			if !strings.Contains(out, tc.want) || !strings.Contains(out, "m.db") {
				t.Fatalf("the message does not say the store is read-only (want %q):\n%s", tc.want, out)
			}
		})
	}
}
