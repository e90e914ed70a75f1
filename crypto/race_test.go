//go:build race

package crypto_test

// raceEnabled: under the race detector sync.Pool drops items at random, so
// allocation counts vary from run to run.
const raceEnabled = true
