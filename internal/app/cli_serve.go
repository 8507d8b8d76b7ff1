package app

import (
	"context"
	"fmt"
	"io"

	"onestamp/internal/catalog"
	"onestamp/internal/platform/config"
)

func serveCommand(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) int {
	m, err := New(ctx, cfg, Options{Logger: NewLogger(cfg, stderr)})
	if err != nil {
		fmt.Fprintln(stderr, "onestamp serve:", err)
		return 1
	}
	defer m.Close()
	if cfg.Demo {
		if err := m.LoadDemo(ctx, stdout); err != nil {
			fmt.Fprintln(stderr, "onestamp serve: demo:", err)
			return 1
		}
	}
	go catalog.WaitSegmenter() // load the search dictionary now rather than on the first search
	m.Log.Info("onestamp listening", "addr", cfg.Addr, "database", string(m.DB.Engine), "version", Version)
	fmt.Fprintf(stdout, "onestamp is serving on %s (open %s)\n", cfg.Addr, cfg.BaseURL)
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "onestamp serve:", err)
		return 1
	}
	m.Log.Info("onestamp stopped")
	return 0
}

func demoCommand(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) int {
	m, err := New(ctx, cfg, Options{Logger: NewLogger(cfg, stderr)})
	if err != nil {
		fmt.Fprintln(stderr, "onestamp demo:", err)
		return 1
	}
	defer m.Close()
	if err := m.LoadDemo(ctx, stdout); err != nil {
		fmt.Fprintln(stderr, "onestamp demo:", err)
		return 1
	}
	return 0
}
