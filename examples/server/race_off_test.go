//go:build !race

package main

// raceEnabled reports that the test binary runs with the race detector.
const raceEnabled = false
