package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/mongo"
	"github.com/morphcrm/morph/engine/store/sqlite"
)

// openStore opens the store a URL names: sqlite:PATH or mongodb://HOST/DB.
func openStore(ctx context.Context, url string) (store.Store, error) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path, ok := sqlitePath(url)
		if !ok {
			return nil, fmt.Errorf("store URL %q names no file", url)
		}
		return sqlite.Open(ctx, path)
	case strings.HasPrefix(url, "mongodb://"), strings.HasPrefix(url, "mongodb+srv://"):
		return mongo.Open(ctx, url)
	}
	return nil, fmt.Errorf("unknown store URL %q: use %s or mongodb://host:27017/morph", url, defaultStore)
}
