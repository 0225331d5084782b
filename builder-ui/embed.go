// Package builderui embeds the built builder UI (dist/). Without a build the
// folder holds only .gitkeep, and the server says how to build the UI.
package builderui

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built UI, rooted at dist/.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time; Sub cannot fail for it
	}
	return sub
}
