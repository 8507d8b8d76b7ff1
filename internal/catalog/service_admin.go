package catalog

import (
	"context"
	"database/sql"
	"strings"
	"unicode/utf8"

	"onestamp/internal/platform/db"
)

func trim(s string) string      { return strings.TrimSpace(s) }
func upperTrim(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// CertTypes returns the e-certificate types.
func (s *Service) CertTypes(ctx context.Context) ([]CertType, error) {
	return s.st.certTypes(ctx, s.db.Read)
}

// SaveCertType adds or renames an e-certificate type.
func (s *Service) SaveCertType(ctx context.Context, c CertType) (CertType, error) {
	a, err := s.admin(ctx)
	if err != nil {
		return CertType{}, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err = s.saveCertType(ctx, tx, a, c)
		return err
	})
	return c, err
}

func (s *Service) saveCertType(ctx context.Context, tx *sql.Tx, a actor, c CertType) (CertType, error) {
	c.Code, c.Name, c.NameEN, c.Issuer = upperTrim(c.Code), trim(c.Name), trim(c.NameEN), trim(c.Issuer)
	var ps []Problem
	if c.Code == "" {
		ps = append(ps, prob("code", kvRequired))
	} else if !codeRE.MatchString(c.Code) {
		ps = append(ps, prob("code", kvKeyFormat, "value", c.Code))
	}
	if c.Name == "" {
		ps = append(ps, prob("name", kvRequired))
	}
	for _, f := range []struct{ k, v string }{{"name", c.Name}, {"name_en", c.NameEN}, {"issuer", c.Issuer}} {
		if utf8.RuneCountInString(f.v) > maxShort {
			ps = append(ps, prob(f.k, kvTooLong, "max", maxShort))
		}
	}
	if err := invalid(ps); err != nil {
		return c, err
	}
	c.UpdatedAt = s.now()
	if err := s.st.upsertCertType(ctx, tx, c); err != nil {
		return c, err
	}
	return c, s.record(ctx, tx, a, "catalog.cert_type.save", "cert_type:"+c.Code, map[string]any{"name": c.Name})
}

// Synonyms returns the search synonyms.
func (s *Service) Synonyms(ctx context.Context) ([]Synonym, error) {
	return s.st.synonyms(ctx, s.db.Read)
}

// AddSynonym adds a search synonym; the search index picks it up at once.
func (s *Service) AddSynonym(ctx context.Context, term, expansion string) (Synonym, error) {
	a, err := s.admin(ctx)
	if err != nil {
		return Synonym{}, err
	}
	var syn Synonym
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		syn, err = s.addSynonym(ctx, tx, a, term, expansion)
		return err
	})
	if err == nil {
		s.refresh(ctx)
	}
	return syn, err
}

func (s *Service) addSynonym(ctx context.Context, tx *sql.Tx, a actor, term, expansion string) (Synonym, error) {
	syn := Synonym{Term: normalizeQuery(term), Expansion: trim(expansion)}
	var ps []Problem
	if syn.Term == "" {
		ps = append(ps, prob("term", kvRequired))
	}
	if utf8.RuneCountInString(syn.Term) > 20 {
		ps = append(ps, prob("term", kvTooLong, "max", 20))
	}
	if syn.Expansion == "" {
		ps = append(ps, prob("expansion", kvRequired))
	}
	if utf8.RuneCountInString(syn.Expansion) > 100 {
		ps = append(ps, prob("expansion", kvTooLong, "max", 100))
	}
	if err := invalid(ps); err != nil {
		return syn, err
	}
	syn.ID, syn.CreatedAt, syn.CreatedBy = db.NewID(), s.now(), a.id
	if err := s.st.insertSynonym(ctx, tx, syn); err != nil {
		return syn, err
	}
	if err := s.st.bump(ctx, tx); err != nil {
		return syn, err
	}
	return syn, s.record(ctx, tx, a, "catalog.synonym.add", "synonym:"+syn.ID, map[string]any{
		"term": syn.Term, "expansion": syn.Expansion})
}

// DeleteSynonym removes a search synonym.
func (s *Service) DeleteSynonym(ctx context.Context, id string) error {
	a, err := s.admin(ctx)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := s.st.deleteSynonym(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.st.bump(ctx, tx); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "catalog.synonym.delete", "synonym:"+id, map[string]any{
			"term": old.Term, "expansion": old.Expansion})
	})
	if err == nil {
		s.refresh(ctx)
	}
	return err
}
