package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A second server on the database file of a running one is refused, by
// whatever name the file is given: through "..", a link to the file or a
// linked directory.
func TestSecondServerRefused(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	for _, d := range []string{dir, filepath.Join(dir, "sub")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(dir, "m.db")
	start(t, "sqlite:"+db)
	if err := os.Symlink(db, filepath.Join(root, "link.db")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(root, "linkdir")); err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, db)
	if err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"same path":        db,
		"relative path":    rel,
		"through ..":       filepath.Join(dir, "sub") + "/../m.db",
		"link to the file": filepath.Join(root, "link.db"),
		"linked directory": filepath.Join(root, "linkdir", "m.db"),
	} {
		t.Run(name, func(t *testing.T) {
			if out := serveFails(t, "sqlite:"+path); !strings.Contains(out, "in use by another process") {
				t.Fatalf("no word of the running server:\n%s", out)
			}
		})
	}
}
