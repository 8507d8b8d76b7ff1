package cases

import (
	"context"
	"fmt"
	"strings"

	"onestamp/internal/platform/db"
)

// SQL the pages need beyond the core's store: counts for the workbench counters.

// countQueue counts the rows of a queue query, stopping at limit (a counter shows "999+"
// rather than scanning a whole city's backlog for an exact figure).
func (st store) countQueue(ctx context.Context, q db.Q, s *queueSQL, limit int) (int, error) {
	query := "SELECT COUNT(*) FROM (SELECT 1 FROM " + s.from + " WHERE " + strings.Join(s.where, " AND ") +
		fmt.Sprintf(" LIMIT %d) AS x", limit)
	var n int
	if err := q.QueryRowContext(ctx, query, s.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("cases: count queue: %w", err)
	}
	return n, nil
}
