package sla

import "encoding/json"

// decodeObject reads a JSON object; false when doc is not one.
func decodeObject(doc []byte) (map[string]any, bool) {
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// encode writes m as JSON, or returns fallback when it cannot.
func encode(m map[string]any, fallback []byte) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		return fallback
	}
	return b
}
