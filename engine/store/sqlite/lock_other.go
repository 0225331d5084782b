//go:build !unix

package sqlite

// lockFile does nothing where flock is missing: there, keeping the
// database file to one process is up to the operator.
func lockFile(path string) (release func(), err error) {
	return func() {}, nil
}
