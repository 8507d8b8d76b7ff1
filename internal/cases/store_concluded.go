package cases

import (
	"context"

	"onestamp/internal/platform/workday"
)

// ConcludedIDs returns the ids of cases concluded (or delivered) with a decision dated in
// [from, to], oldest first, at most limit: what the ratings demo and statistics jobs start from.
func (s *Service) ConcludedIDs(ctx context.Context, from, to workday.Date, limit int) ([]string, error) {
	if limit <= 0 || limit > 100000 {
		limit = 100000
	}
	rows, err := s.d.Read.QueryContext(ctx, `SELECT id FROM cases
		WHERE state IN ($1, $2) AND parent_id = '' AND decided_on >= $3 AND decided_on <= $4
		ORDER BY decided_on, id LIMIT $5`, int(StConcluded), int(StDelivered), from.String(), to.String(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
