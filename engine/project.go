package engine

import (
	"fmt"

	"github.com/buger/jsonparser"

	"github.com/morphcrm/morph/engine/store"
)

// projectRaw keeps only the named top-level fields of stored documents,
// without decoding them: each kept value's JSON is copied as it is. The
// documents share one new buffer.
func projectRaw(raws []store.RawRecord, fields map[string]bool) error {
	n := 0
	for _, r := range raws {
		n += len(r.JSON)
	}
	buf := make([]byte, 0, n)
	for i := range raws {
		start := len(buf)
		buf = append(buf, '{')
		err := jsonparser.ObjectEach(raws[i].JSON, func(key, value []byte, t jsonparser.ValueType, _ int) error {
			if !fields[string(key)] {
				return nil
			}
			if len(buf) > start+1 {
				buf = append(buf, ',')
			}
			// key is one of fields: names of the definition, [a-z0-9_] only.
			buf = append(buf, '"')
			buf = append(buf, key...)
			buf = append(buf, '"', ':')
			if t == jsonparser.String { // the string's JSON without its quotes
				buf = append(buf, '"')
				buf = append(buf, value...)
				buf = append(buf, '"')
			} else {
				buf = append(buf, value...)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("engine: project record %s: %w", raws[i].ID, err)
		}
		buf = append(buf, '}')
		raws[i].JSON = buf[start:len(buf):len(buf)]
	}
	return nil
}
