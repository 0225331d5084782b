//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on path+".lock", held until release:
// the database file belongs to one process (see count.go). The operating
// system drops the lock when the process ends, however it ends.
func lockFile(path string) (release func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, notWritable(path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("sqlite: %s is in use by another process (a running morph?) or by another store in this one", path)
		}
		return nil, fmt.Errorf("sqlite: lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
