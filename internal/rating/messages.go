package rating

import (
	"embed"

	"onestamp/internal/platform/web"
)

//go:embed messages/*.json
var messageFS embed.FS

// AddMessages adds the domain's texts to the catalogue.
func AddMessages() error { return web.AddMessagesFS(messageFS, "messages") }
