package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// ---- materials and files ----
const materialCols = `code, name, required, pending_allowed, min_trust, cert_type, status, trust, defect, pending_due,
	cert_ref, file_id`

func (st store) insertMaterial(ctx context.Context, q db.Q, caseID string, seq int, m Material, sharedFrom string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO case_materials (case_id, seq, `+materialCols+`, shared_from)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		caseID, seq, m.Code, m.Name, b2i(m.Required), b2i(m.PendingAllowed), string(m.MinTrust), m.CertType, m.Status,
		string(m.Trust), m.Defect, m.PendingDue, m.CertRef, m.FileID, sharedFrom)
	if err != nil {
		return fmt.Errorf("cases: insert material %s: %w", m.Code, err)
	}
	return nil
}

func (st store) updateMaterial(ctx context.Context, q db.Q, caseID string, m Material) error {
	_, err := q.ExecContext(ctx, `UPDATE case_materials SET status = $3, trust = $4, defect = $5, pending_due = $6,
		cert_ref = $7, file_id = $8 WHERE case_id = $1 AND code = $2`,
		caseID, m.Code, m.Status, string(m.Trust), m.Defect, m.PendingDue, m.CertRef, m.FileID)
	if err != nil {
		return fmt.Errorf("cases: update material %s: %w", m.Code, err)
	}
	return nil
}

func (st store) materials(ctx context.Context, q db.Q, caseID string) ([]Material, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+materialCols+" FROM case_materials WHERE case_id = $1 ORDER BY seq", caseID)
	if err != nil {
		return nil, fmt.Errorf("cases: materials of %s: %w", caseID, err)
	}
	defer rows.Close()
	var out []Material
	for rows.Next() {
		var m Material
		var req, pend int
		var minTrust, trust string
		if err := rows.Scan(&m.Code, &m.Name, &req, &pend, &minTrust, &m.CertType, &m.Status, &trust, &m.Defect,
			&m.PendingDue, &m.CertRef, &m.FileID); err != nil {
			return nil, err
		}
		m.Required, m.PendingAllowed, m.MinTrust, m.Trust = req != 0, pend != 0, Trust(minTrust), Trust(trust)
		out = append(out, m)
	}
	return out, rows.Err()
}

// sharedTargets lists the (case, material) rows of chain children that a parent's material feeds.
func (st store) sharedTargets(ctx context.Context, q db.Q, parentID, code string) ([][2]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.case_id, m.code FROM case_materials m JOIN cases c ON c.id = m.case_id
		WHERE c.parent_id = $1 AND m.shared_from = $2 ORDER BY m.case_id, m.code`, parentID, code)
	if err != nil {
		return nil, fmt.Errorf("cases: shared materials: %w", err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out = append(out, [2]string{a, b})
	}
	return out, rows.Err()
}

const fileCols = `id, material, hash, size, kind, name, trust, uploaded_by, uploaded_at, checked_by, checked_at`

func (st store) insertFile(ctx context.Context, q db.Q, caseID string, f File) error {
	_, err := q.ExecContext(ctx, `INSERT INTO case_files (case_id, `+fileCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		caseID, f.ID, f.Material, f.Hash, f.Size, f.Kind, f.Name, string(f.Trust), f.UploadedBy,
		f.UploadedAt.UnixMilli(), f.CheckedBy, millisOrZero(f.CheckedAt))
	if err != nil {
		return fmt.Errorf("cases: insert file: %w", err)
	}
	return nil
}

func (st store) checkFile(ctx context.Context, q db.Q, caseID, fileID, by string, at int64) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE case_files SET trust = 'B', checked_by = $3, checked_at = $4
		WHERE case_id = $1 AND id = $2 AND checked_at = 0`, caseID, fileID, by, at)
	if err != nil {
		return false, fmt.Errorf("cases: check file: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (st store) files(ctx context.Context, q db.Q, caseID string) ([]File, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+fileCols+" FROM case_files WHERE case_id = $1 ORDER BY uploaded_at, id", caseID)
	if err != nil {
		return nil, fmt.Errorf("cases: files of %s: %w", caseID, err)
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		var trust string
		var up, ch int64
		if err := rows.Scan(&f.ID, &f.Material, &f.Hash, &f.Size, &f.Kind, &f.Name, &trust, &f.UploadedBy, &up,
			&f.CheckedBy, &ch); err != nil {
			return nil, err
		}
		f.Trust, f.UploadedAt = Trust(trust), msTime(up)
		if ch != 0 {
			f.CheckedAt = msTime(ch)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// caseHasFile reports whether a file with hash belongs to the case (or is shared into it).
func (st store) fileByID(ctx context.Context, q db.Q, caseID, fileID string) (File, error) {
	var f File
	var trust string
	var up, ch int64
	err := q.QueryRowContext(ctx, "SELECT "+fileCols+" FROM case_files WHERE case_id = $1 AND id = $2", caseID, fileID).
		Scan(&f.ID, &f.Material, &f.Hash, &f.Size, &f.Kind, &f.Name, &trust, &f.UploadedBy, &up, &f.CheckedBy, &ch)
	if errors.Is(err, sql.ErrNoRows) {
		return f, errs.NotFoundErr("cases.file.not_found")
	}
	if err != nil {
		return f, fmt.Errorf("cases: file: %w", err)
	}
	f.Trust, f.UploadedAt = Trust(trust), msTime(up)
	if ch != 0 {
		f.CheckedAt = msTime(ch)
	}
	return f, nil
}
