//go:build race

package ident

const raceEnabled = true
