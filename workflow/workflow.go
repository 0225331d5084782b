// Package workflow runs the rules analysts define: triggers on record events
// and timers, conditions as expressions, and actions. It subscribes to the
// engine's events (engine.Engine.Subscribe); the engine never imports it.
package workflow
