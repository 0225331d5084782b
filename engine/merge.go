package engine

import "maps"

// mergePatch applies a JSON merge patch (RFC 7396) to target and returns
// the result: objects merge recursively, a null removes a member, anything
// else (arrays, strings, numbers, booleans) replaces the target's value.
// Neither target nor patch is changed; the result may share the patch's
// arrays and the target's untouched members.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, _ := target.(map[string]any)
	out := make(map[string]any, len(t)+len(p))
	maps.Copy(out, t)
	for k, v := range p {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = mergePatch(out[k], v)
	}
	return out
}

// mergeFields applies a record patch to data, a fresh map of the stored
// user fields: each field of the patch is merged into the stored value as
// a JSON merge patch. A null at the top stays in data, to be dropped after
// normalisation like a null on create.
func mergeFields(data, patch map[string]any) {
	for k, v := range patch {
		if v == nil {
			data[k] = nil
			continue
		}
		data[k] = mergePatch(data[k], v)
	}
}
