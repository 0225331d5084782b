package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// valueScanPage is how many records a check of stored values reads at once.
const valueScanPage = 500

// reshapedFields lists the fields of next whose stored values may no longer
// fit: fields of prev whose type, x-many or x-ref changed, or that lost
// options. Records hold values of the earlier shape until they are written
// again.
func reshapedFields(prev, next *compiled) []*schema.Field {
	var out []*schema.Field
	for _, f := range next.Fields {
		p := prev.Field(f.Name)
		if p == nil {
			continue
		}
		lostOption := slices.ContainsFunc(p.Enum, func(v string) bool { return !slices.Contains(f.Enum, v) })
		if p.Type.Name() != f.Type.Name() || p.Many != f.Many || p.Ref != f.Ref || lostOption {
			out = append(out, f)
		}
	}
	return out
}

// checkStoredValues refuses a definition change with EIncompatible when
// stored records hold values that a reshaped field no longer accepts,
// saying how many per field. It reads only records that hold a value of
// such a field, valueScanPage at a time.
func (e *Engine) checkStoredValues(ctx context.Context, prev, next *compiled) error {
	fields := reshapedFields(prev, next)
	if len(fields) == 0 {
		return nil
	}
	counts, err := e.unfitValues(ctx, next, fields)
	if err != nil {
		return err
	}
	return incompatibleError(fields, counts)
}

// unfitValues counts, per field of fields, the stored records whose value
// of it next does not accept.
func (e *Engine) unfitValues(ctx context.Context, next *compiled, fields []*schema.Field) ([]int, error) {
	var held query.Or
	for _, f := range fields {
		held = append(held, query.Cmp{Field: f.Name, Op: query.Ne, Value: nil})
	}
	counts := make([]int, len(fields))
	q := query.Query{Filter: held, Sort: []query.Sort{{Field: "id"}}, Limit: valueScanPage}
	for {
		recs, err := e.st.Find(ctx, next.Name, q)
		if errors.Is(err, store.ErrNoCollection) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("engine: read stored values of %s: %w", next.Name, err)
		}
		for _, r := range recs {
			for i, f := range fields {
				if v, ok := r.Data[f.Name]; ok && v != nil && !fits(next.Entity, f.Name, v) {
					counts[i]++
				}
			}
		}
		if len(recs) < valueScanPage {
			break
		}
		q.Filter = query.And{held, query.Cmp{Field: "id", Op: query.Gt, Value: recs[len(recs)-1].ID}}
	}
	return counts, nil
}

// fits reports whether the entity accepts v as the value of the field.
func fits(ent *schema.Entity, field string, v any) bool {
	for _, fe := range ent.Validate(map[string]any{field: v}) {
		if fe.Path == "/"+field || strings.HasPrefix(fe.Path, "/"+field+"/") {
			return false
		}
	}
	return true
}

func incompatibleError(fields []*schema.Field, counts []int) error {
	var errs []morph.FieldError
	total := 0
	for i, f := range fields {
		if counts[i] == 0 {
			continue
		}
		total += counts[i]
		errs = append(errs, morph.FieldError{Path: "/properties/" + f.Name, Code: string(morph.EIncompatible), Offset: -1,
			Text: morph.T("%d record(s) hold a value of %s that the new definition does not accept",
				"%d 条记录中 %s 的值不符合新定义", counts[i], f.Name)})
	}
	if total == 0 {
		return nil
	}
	return &morph.Error{Code: morph.EIncompatible, Fields: errs,
		Text: morph.T("Stored records hold %d value(s) that the changed fields do not accept; change those records first, or save with force=true to keep them as they are",
			"已存记录中有 %d 个值不符合修改后的字段；请先修改这些记录，或使用 force=true 保存并保留原值", total)}
}
