// Command onestamp is the one binary of the platform: the server, its maintenance commands and
// the working-day tool. See `onestamp help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"onestamp/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Command(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if code != 0 {
		os.Exit(code)
	}
}
