package cases

import (
	"context"
	"slices"

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

// DemoConcluded returns the case.concluded payloads of up to n approved cases whose items issue
// a certificate, oldest first: those of applicants with an account (the demo's people who sign in
// to see their certificates) first, then the newest. The demo issues their certificates as the
// certificates handler would have at the time (the demo's history is written without its outbox
// events).
func (s *Service) DemoConcluded(ctx context.Context, n int) ([]ConcludedEvent, error) {
	rows, err := s.d.Read.QueryContext(ctx, `SELECT `+caseCols+` FROM cases
		WHERE state IN ($1, $2) AND parent_id = '' AND kind <> $3
		ORDER BY CASE WHEN owner_id <> '' THEN 0 ELSE 1 END, decided_on DESC, id DESC LIMIT $4`,
		int(StConcluded), int(StDelivered), string(KindChain), 4*n)
	if err != nil {
		return nil, err
	}
	recs, err := s.st.collectCases(rows)
	if err != nil {
		return nil, err
	}
	var out []ConcludedEvent
	for _, r := range recs {
		if len(out) == n {
			break
		}
		if r.Decision == nil || r.Decision.Outcome != OutcomeApprove {
			continue
		}
		it, err := s.item(ctx, r.ItemID, r.ItemVersion)
		if err != nil || it.ResultCertType == "" {
			continue
		}
		var mats []Material
		if it.CertAction != "" && it.CertAction != "new" {
			if mats, err = s.st.materials(ctx, s.d.Read, r.ID); err != nil {
				return nil, err
			}
		}
		out = append(out, concludedEvent(r, it, r.Facts.ClosedOn, licenceActedOn(r, it, mats)))
	}
	slices.Reverse(out)
	return out, nil
}
