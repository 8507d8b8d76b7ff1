package catalog

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Chain is a 一件事 scenario (一链办理): several items of several departments handled as one
// thing, with a lead organisation, one combined form whose fields map to each item's form, the
// materials asked once and shared, and a combined time limit. Cases for a chain are opened by
// the cases package; the chain says what they are.
type Chain struct {
	ID         string          `json:"id"`
	Code       string          `json:"code" doc:"short stable code, e.g. open-restaurant"`
	Name       string          `json:"name"`
	NameEN     string          `json:"name_en,omitempty"`
	Summary    string          `json:"summary,omitempty"`
	LeadUnit   string          `json:"lead_unit" doc:"unit id of the lead organisation"`
	RegionCode string          `json:"region_code"`
	LimitWD    int             `json:"limit_wd" doc:"combined time limit in working days"`
	Status     Status          `json:"status" doc:"active or retired"`
	Items      []ChainItem     `json:"items"`
	Fields     []ChainField    `json:"fields" doc:"the combined form"`
	Materials  []ChainMaterial `json:"materials" doc:"the combined material list; one asked once serves several items"`

	Keywords         []string `json:"keywords,omitempty"`
	LifeEvents       []string `json:"life_events,omitempty"`
	EnterpriseEvents []string `json:"enterprise_events,omitempty"`
	Themes           []string `json:"themes,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// ChainItem is an item of a chain. Items of the same Stage run in parallel; stages run in order.
type ChainItem struct {
	ItemID   string `json:"item_id"`
	Stage    int    `json:"stage"`
	Optional bool   `json:"optional,omitempty" doc:"only some applicants need it"`
}

// ChainField is a field of the combined form and the item form fields it fills.
type ChainField struct {
	Key      string     `json:"key"`
	Label    string     `json:"label"`
	Type     FieldType  `json:"type"`
	Required bool       `json:"required"`
	Options  []string   `json:"options,omitempty"`
	Maps     []FieldRef `json:"maps"`
}

// FieldRef names a form field of an item.
type FieldRef struct {
	ItemID string `json:"item_id"`
	Field  string `json:"field"`
}

// ChainMaterial is a material of the combined list and the item materials it satisfies.
type ChainMaterial struct {
	Key  string        `json:"key"`
	Name string        `json:"name"`
	Maps []MaterialRef `json:"maps"`
}

// MaterialRef names a material of an item.
type MaterialRef struct {
	ItemID   string `json:"item_id"`
	Material string `json:"material" doc:"the material's key"`
}

// Shared reports whether the material serves more than one item: asked once instead of twice.
func (m ChainMaterial) Shared() bool {
	ids := map[string]bool{}
	for _, r := range m.Maps {
		ids[r.ItemID] = true
	}
	return len(ids) > 1
}

// ItemIDs returns the ids of the chain's items in order.
func (c Chain) ItemIDs() []string {
	out := make([]string, len(c.Items))
	for i, it := range c.Items {
		out[i] = it.ItemID
	}
	return out
}

// Normalize trims text and orders items by stage.
func (c *Chain) Normalize() {
	for _, p := range []*string{&c.Code, &c.Name, &c.NameEN, &c.Summary, &c.LeadUnit, &c.RegionCode} {
		*p = strings.TrimSpace(*p)
	}
	c.Code = strings.ToLower(c.Code)
	if c.Status == "" {
		c.Status = StatusActive
	}
	c.Keywords = cleanList(c.Keywords)
	c.LifeEvents = cleanList(c.LifeEvents)
	c.EnterpriseEvents = cleanList(c.EnterpriseEvents)
	c.Themes = cleanList(c.Themes)
	slices.SortStableFunc(c.Items, func(a, b ChainItem) int { return a.Stage - b.Stage })
	for i := range c.Fields {
		c.Fields[i].Key = strings.ToLower(strings.TrimSpace(c.Fields[i].Key))
		c.Fields[i].Label = strings.TrimSpace(c.Fields[i].Label)
		if c.Fields[i].Type == "" {
			c.Fields[i].Type = FieldText
		}
	}
	for i := range c.Materials {
		c.Materials[i].Key = strings.ToLower(strings.TrimSpace(c.Materials[i].Key))
		c.Materials[i].Name = strings.TrimSpace(c.Materials[i].Name)
	}
}

var chainCodeRE = keyRE

// Validate checks a chain against the current specs of its items (specs by item id). Every
// required field and required material of every item must be served by the combined form and
// list, so that an applicant who fills the one form has given every item what it needs.
func (c Chain) Validate(specs map[string]Spec) []Problem {
	var ps []Problem
	add := func(field, key string, kv ...any) { ps = append(ps, prob(field, key, kv...)) }
	if !chainCodeRE.MatchString(strings.ReplaceAll(c.Code, "-", "_")) {
		add("code", kvKeyFormat, "value", c.Code)
	}
	if c.Name == "" {
		add("name", kvRequired)
	}
	if utf8.RuneCountInString(c.Name) > 100 {
		add("name", kvTooLong, "max", 100)
	}
	if utf8.RuneCountInString(c.Summary) > maxText {
		add("summary", kvTooLong, "max", maxText)
	}
	if c.LeadUnit == "" {
		add("lead_unit", kvRequired)
	}
	if !validRegion(c.RegionCode) {
		add("region_code", kvRegion, "value", c.RegionCode)
	}
	for i, t := range c.LifeEvents {
		if !validTag(LifeEvents, t) {
			add(fmt.Sprintf("life_events[%d]", i), kvInvalidValue, "value", t)
		}
	}
	for i, t := range c.EnterpriseEvents {
		if !validTag(EnterpriseEvents, t) {
			add(fmt.Sprintf("enterprise_events[%d]", i), kvInvalidValue, "value", t)
		}
	}
	for i, t := range c.Themes {
		if !validTag(Themes, t) {
			add(fmt.Sprintf("themes[%d]", i), kvInvalidValue, "value", t)
		}
	}
	if len(c.Items) < 2 {
		add("items", "catalog.chain.too_few")
	}
	in := map[string]bool{}
	sumPromised := 0
	for i, it := range c.Items {
		f := fmt.Sprintf("items[%d].item_id", i)
		if in[it.ItemID] {
			add(f, kvDuplicate, "value", it.ItemID)
			continue
		}
		in[it.ItemID] = true
		sp, ok := specs[it.ItemID]
		if !ok {
			add(f, "catalog.chain.item_unknown", "value", it.ItemID)
			continue
		}
		sumPromised += sp.PromisedWD
	}
	if c.LimitWD < 0 || c.LimitWD > max(1, sumPromised) {
		add("limit_wd", "catalog.chain.limit", "max", max(1, sumPromised))
	}

	// The combined form.
	covered := map[FieldRef]bool{}
	keys := map[string]bool{}
	for i, f := range c.Fields {
		p := func(s string) string { return fmt.Sprintf("fields[%d].%s", i, s) }
		if !keyRE.MatchString(f.Key) {
			add(p("key"), kvKeyFormat, "value", f.Key)
		} else if keys[f.Key] {
			add(p("key"), kvDuplicate, "value", f.Key)
		}
		keys[f.Key] = true
		if f.Label == "" {
			add(p("label"), kvRequired)
		}
		if !slices.Contains(FieldTypes, f.Type) {
			add(p("type"), kvInvalidValue, "value", string(f.Type))
		}
		for j, r := range f.Maps {
			q := fmt.Sprintf("fields[%d].maps[%d]", i, j)
			sp, ok := specs[r.ItemID]
			if !ok || !in[r.ItemID] {
				add(q+".item_id", "catalog.chain.item_unknown", "value", r.ItemID)
				continue
			}
			if _, ok := sp.Field(r.Field); !ok {
				add(q+".field", "catalog.chain.field_unknown", "item", sp.Name, "value", r.Field)
				continue
			}
			if covered[r] {
				add(q+".field", kvDuplicate, "value", r.Field)
			}
			covered[r] = true
		}
	}
	// The combined material list.
	served := map[MaterialRef]bool{}
	mkeys := map[string]bool{}
	for i, m := range c.Materials {
		p := func(s string) string { return fmt.Sprintf("materials[%d].%s", i, s) }
		if !keyRE.MatchString(m.Key) {
			add(p("key"), kvKeyFormat, "value", m.Key)
		} else if mkeys[m.Key] {
			add(p("key"), kvDuplicate, "value", m.Key)
		}
		mkeys[m.Key] = true
		if m.Name == "" {
			add(p("name"), kvRequired)
		}
		for j, r := range m.Maps {
			q := fmt.Sprintf("materials[%d].maps[%d]", i, j)
			sp, ok := specs[r.ItemID]
			if !ok || !in[r.ItemID] {
				add(q+".item_id", "catalog.chain.item_unknown", "value", r.ItemID)
				continue
			}
			if _, ok := sp.Material(r.Material); !ok {
				add(q+".material", "catalog.chain.material_unknown", "item", sp.Name, "value", r.Material)
				continue
			}
			if served[r] {
				add(q+".material", kvDuplicate, "value", r.Material)
			}
			served[r] = true
		}
	}
	for _, it := range c.Items {
		sp, ok := specs[it.ItemID]
		if !ok {
			continue
		}
		for _, f := range sp.FormFields {
			if f.Required && !covered[FieldRef{it.ItemID, f.Key}] {
				add("fields", "catalog.chain.field_uncovered", "item", sp.Name, "value", f.Label)
			}
		}
		for _, m := range sp.Materials {
			if m.Required && !served[MaterialRef{it.ItemID, m.Key}] {
				add("materials", "catalog.chain.material_uncovered", "item", sp.Name, "value", m.Name)
			}
		}
	}
	return ps
}

// DeriveForm proposes the combined form and material list of a chain from its items' specs:
// form fields with the same key become one field; materials with the same e-certificate type,
// or failing that the same name, become one material asked once.
func DeriveForm(items []ChainItem, specs map[string]Spec) ([]ChainField, []ChainMaterial) {
	var fields []ChainField
	fieldAt := map[string]int{}
	var mats []ChainMaterial
	matAt := map[string]int{}
	for _, it := range items {
		sp, ok := specs[it.ItemID]
		if !ok {
			continue
		}
		for _, f := range sp.FormFields {
			i, ok := fieldAt[f.Key]
			if !ok {
				i = len(fields)
				fieldAt[f.Key] = i
				fields = append(fields, ChainField{Key: f.Key, Label: f.Label, Type: f.Type, Options: slices.Clone(f.Options)})
			}
			fields[i].Required = fields[i].Required || f.Required
			fields[i].Maps = append(fields[i].Maps, FieldRef{ItemID: it.ItemID, Field: f.Key})
		}
		for _, m := range sp.Materials {
			id := "name:" + m.Name
			if m.CertType != "" {
				id = "cert:" + m.CertType
			}
			i, ok := matAt[id]
			if !ok {
				i = len(mats)
				matAt[id] = i
				mats = append(mats, ChainMaterial{Key: fmt.Sprintf("c%d", i+1), Name: m.Name})
			}
			mats[i].Maps = append(mats[i].Maps, MaterialRef{ItemID: it.ItemID, Material: m.Key})
		}
	}
	return fields, mats
}
