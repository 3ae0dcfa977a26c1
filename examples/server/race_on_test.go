//go:build race

package main

// raceEnabled reports that the test binary runs with the race detector, so
// the child server is built with it too: its packages are then already in
// the build cache.
const raceEnabled = true
