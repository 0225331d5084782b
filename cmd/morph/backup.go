package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/morphcrm/morph/engine/store/sqlite"
)

// backupCmd copies the embedded store to a new file while the server may be
// running. MongoDB has its own tools for this.
func backupCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	storeURL := fs.String("store", envOr("MORPH_STORE", defaultStore), "store URL of the embedded store: sqlite:PATH")
	to := fs.String("to", "", "the new file (default: backups/morph-TIME.db beside the database file)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path, ok := sqlitePath(*storeURL)
	if !ok {
		return fmt.Errorf("backup copies the embedded store (sqlite:PATH); back up MongoDB with mongodump")
	}
	dest := *to
	if dest == "" {
		dest = filepath.Join(filepath.Dir(path), "backups", "morph-"+time.Now().UTC().Format("20060102-150405")+".db")
	}
	start := time.Now()
	if err := sqlite.Backup(ctx, path, dest); err != nil {
		return err
	}
	fi, err := os.Stat(dest)
	if err != nil {
		return err
	}
	fmt.Printf("backed up %s to %s (%d KiB, %s)\n", path, dest, fi.Size()>>10, time.Since(start).Round(time.Millisecond))
	return nil
}

// sqlitePath is the file a sqlite: store URL names.
func sqlitePath(url string) (string, bool) {
	if !strings.HasPrefix(url, "sqlite:") {
		return "", false
	}
	path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
	return path, path != ""
}
