package password

import (
	_ "embed"
	"strings"
)

//go:embed common.txt
var commonText string

// common holds the passwords Check refuses as too common, lower case.
var common = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonText, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[line] = true
		}
	}
	return m
}()
