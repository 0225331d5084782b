package workflow

import "encoding/json"

// jsonish turns a value into the JSON-like form stores take (maps, lists,
// strings, float64, bools, nil).
func jsonish(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}
