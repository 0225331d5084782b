package sqlite

// SetWALRestartFrames sets the log length past which the writer
// checkpoints, for stores opened afterwards, and returns the undo.
func SetWALRestartFrames(n int) (undo func()) {
	old := walRestartFrames
	walRestartFrames = n
	return func() { walRestartFrames = old }
}
