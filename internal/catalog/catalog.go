// Package catalog is the service catalogue (事项目录): every item the bureau handles with its
// implementation spec (实施清单) in immutable published versions, who may decide an item in which
// jurisdiction on which date (相对集中许可: transfers, delegations, returns, and the 市县两级事权
// list), the permit-reform modes (证照分离), the simplification statistics, the chains of items
// handled as one thing (一件事), the public service guide with its Chinese search, and the Excel
// import and export of the 实施清单.
//
// A case binds to one item at one version: VersionAt(item, date) is the version in force on a
// date, and Decider(item code, region, date) is the organisation that decides it there.
package catalog

import (
	"slices"
	"time"

	"onestamp/internal/platform/workday"
)

// Level is the place of an item in the hierarchy 主项 → 子项 → 业务办理项. A case names the
// smallest unit: an item without children.
type Level string

const (
	LevelMain     Level = "main"     // 主项
	LevelSub      Level = "sub"      // 子项: split by level, target, specialty or scale
	LevelHandling Level = "handling" // 业务办理项: 新设 / 变更 / 延续 / 注销
)

// Levels lists the levels top down.
var Levels = []Level{LevelMain, LevelSub, LevelHandling}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return slices.Contains(Levels, l) }

// parentLevels says under which level an item of level l may hang ("" = top level).
func (l Level) parentAllowed(parent Level) bool {
	switch l {
	case LevelMain:
		return parent == ""
	case LevelSub:
		return parent == LevelMain
	case LevelHandling:
		return parent == LevelMain || parent == LevelSub
	}
	return false
}

// ItemType is the kind of government power an item is (事项类型). The numbers are the codes of
// the national catalogue as observed; 2/3/4/6 are inferred (DOMAIN §3).
type ItemType string

const (
	TypeLicence       ItemType = "licence"        // 1 行政许可
	TypePenalty       ItemType = "penalty"        // 2 行政处罚
	TypeEnforcement   ItemType = "enforcement"    // 3 行政强制
	TypeLevy          ItemType = "levy"           // 4 行政征收
	TypeBenefit       ItemType = "benefit"        // 5 行政给付
	TypeInspection    ItemType = "inspection"     // 6 行政检查
	TypeConfirmation  ItemType = "confirmation"   // 7 行政确认
	TypeAward         ItemType = "award"          // 8 行政奖励
	TypeAdjudication  ItemType = "adjudication"   // 9 行政裁决
	TypeOther         ItemType = "other"          // 10 其他行政权力 (incl. 备案)
	TypePublicService ItemType = "public_service" // 20 公共服务
)

// ItemTypes lists the types in code order.
var ItemTypes = []ItemType{TypeLicence, TypePenalty, TypeEnforcement, TypeLevy, TypeBenefit, TypeInspection,
	TypeConfirmation, TypeAward, TypeAdjudication, TypeOther, TypePublicService}

var itemTypeCodes = map[ItemType]int{TypeLicence: 1, TypePenalty: 2, TypeEnforcement: 3, TypeLevy: 4,
	TypeBenefit: 5, TypeInspection: 6, TypeConfirmation: 7, TypeAward: 8, TypeAdjudication: 9, TypeOther: 10,
	TypePublicService: 20}

// Valid reports whether t is a known type.
func (t ItemType) Valid() bool { return slices.Contains(ItemTypes, t) }

// Code returns the national numeric code of the type (0 if unknown).
func (t ItemType) Code() int { return itemTypeCodes[t] }

// ItemTypeOfCode returns the type with a national numeric code.
func ItemTypeOfCode(n int) (ItemType, bool) {
	for t, c := range itemTypeCodes {
		if c == n {
			return t, true
		}
	}
	return "", false
}

// Kind says whether an item is decided on the spot or within a promised limit.
type Kind string

const (
	KindInstant  Kind = "instant"  // 即办件: decided the same day (art. 34)
	KindPromised Kind = "promised" // 承诺件
)

// Kinds lists the kinds.
var Kinds = []Kind{KindInstant, KindPromised}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// ReformMode is the 证照分离 mode of an item (国发〔2021〕7号, DOMAIN §13); "" for an item that
// is not on a reform list.
type ReformMode string

const (
	ReformNone      ReformMode = ""
	ReformCancelled ReformMode = "cancelled" // 直接取消审批: no new cases
	ReformFiling    ReformMode = "filing"    // 审批改为备案
	ReformPromise   ReformMode = "promise"   // 实行告知承诺
	ReformOptimized ReformMode = "optimized" // 优化审批服务
)

// ReformModes lists the modes of the reform lists.
var ReformModes = []ReformMode{ReformCancelled, ReformFiling, ReformPromise, ReformOptimized}

// Valid reports whether m is "" or a known mode.
func (m ReformMode) Valid() bool { return m == ReformNone || slices.Contains(ReformModes, m) }

// AcceptsCases reports whether new cases may be opened for an item in this mode.
func (m ReformMode) AcceptsCases() bool { return m != ReformCancelled }

// Status is the state of an item in the catalogue.
type Status string

const (
	StatusActive  Status = "active"
	StatusRetired Status = "retired" // 已停用: kept for the cases that point at it
)

// VersionStatus is the state of one version of an item's spec.
type VersionStatus string

const (
	VersionDraft     VersionStatus = "draft"
	VersionPublished VersionStatus = "published"
)

// Item is one entry of the catalogue. What the item requires lives in its versions; the item
// row holds what identifies it and never changes meaning: codes, place in the hierarchy,
// jurisdiction. Name, type and department follow the latest published version.
type Item struct {
	ID           string    `json:"id"`
	ParentID     string    `json:"parent_id,omitempty" doc:"the 主项 or 子项 above; empty for a 主项"`
	Level        Level     `json:"level" doc:"main (主项), sub (子项) or handling (业务办理项)"`
	Code         string    `json:"code" doc:"the identifying code: the 业务办理项编码 of a handling item, the 实施编码 otherwise; unique"`
	BaseCode     string    `json:"base_code" doc:"基本编码, shared by the items of one national entry; opaque"`
	ImplCode     string    `json:"impl_code" doc:"实施编码; opaque, see impl_code_view"`
	HandlingCode string    `json:"handling_code,omitempty" doc:"业务办理项编码"`
	RegionCode   string    `json:"region_code" doc:"12-digit code of the implementing jurisdiction"`
	Name         string    `json:"name"`
	NameEN       string    `json:"name_en,omitempty"`
	Type         ItemType  `json:"type"`
	DeptID       string    `json:"dept_id" doc:"organisation unit id of the competent department"`
	Status       Status    `json:"status" doc:"active or retired"`
	Current      int       `json:"current_version" doc:"the latest published version; 0 before the first publication"`
	Draft        int       `json:"draft_version,omitempty" doc:"the version number of the open draft, if any"`
	Children     int       `json:"children" doc:"number of items directly below"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// IsLeaf reports whether a case may bind to the item: it has no children.
func (it Item) IsLeaf() bool { return it.Children == 0 }

// CodeView is the parsed view of the item's 实施编码.
func (it Item) CodeView() ImplCodeView { return ParseImplCode(it.ImplCode) }

// ItemVersion is one version of an item's spec. A published version never changes; the only
// draft of an item is version Current+1 until it is published or discarded.
type ItemVersion struct {
	ItemID        string        `json:"item_id"`
	Version       int           `json:"version"`
	Status        VersionStatus `json:"status" doc:"draft or published"`
	EffectiveFrom workday.Date  `json:"effective_from,omitzero" doc:"first day in force (published versions)"`
	EffectiveTo   workday.Date  `json:"effective_to,omitzero" doc:"last day in force, when a later version replaced it"`
	Note          string        `json:"note,omitempty" doc:"what changed, as the editor put it"`
	Spec          Spec          `json:"spec"`
	CreatedAt     time.Time     `json:"created_at"`
	CreatedBy     string        `json:"created_by"`
	PublishedAt   time.Time     `json:"published_at,omitzero"`
	PublishedBy   string        `json:"published_by,omitempty"`
}

// InForce reports whether the version is the one in force on day d.
func (v ItemVersion) InForce(d workday.Date) bool {
	return v.Status == VersionPublished && !v.EffectiveFrom.After(d) && (v.EffectiveTo.IsZero() || !d.After(v.EffectiveTo))
}

// Pinned is what a case keeps of the item it was accepted under: the item, its version, and the
// deciding organisation on the acceptance date.
type Pinned struct {
	Item    Item        `json:"item"`
	Version ItemVersion `json:"version"`
}

// Unit is what the catalogue needs to know of an organisation unit (package org owns them).
type Unit struct {
	ID         string `json:"id"`
	Code       string `json:"code" doc:"统一社会信用代码 or internal code"`
	Name       string `json:"name"`
	NameEN     string `json:"name_en,omitempty"`
	Kind       string `json:"kind" doc:"bureau, department, partner or hall"`
	RegionCode string `json:"region_code"`
	Active     bool   `json:"active"`
}

// CertType is a type of e-certificate (电子证照类型): the result an item issues and the
// government-issued material an e-certificate can replace.
type CertType struct {
	Code      string    `json:"code" doc:"证照类型代码, opaque"`
	Name      string    `json:"name"`
	NameEN    string    `json:"name_en,omitempty"`
	Issuer    string    `json:"issuer,omitempty" doc:"the kind of body that issues it"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Synonym maps what people type to the words of the catalogue ("开饭店" → "食品经营许可").
type Synonym struct {
	ID        string    `json:"id"`
	Term      string    `json:"term"`
	Expansion string    `json:"expansion" doc:"the catalogue words the term stands for"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}
