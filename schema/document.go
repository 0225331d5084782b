package schema

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/morphcrm/morph"
)

// decodeDocument reads a definition document (a role, a layout, a view):
// at most maxSize bytes of JSON text that holds an object. what names the
// document in messages ("role", "角色"). raw is the decoded document, root
// the same object.
func decodeDocument(doc []byte, maxSize int, what morph.Text) (raw any, root map[string]any, err error) {
	if len(doc) > maxSize {
		return nil, nil, &morph.Error{Code: morph.ETooLarge,
			Text: morph.Text{EN: "A " + what.EN + " may be at most " + strconv.Itoa(maxSize>>10) + " KiB", ZH: what.ZH + "最大 " + strconv.Itoa(maxSize>>10) + " KiB"}}
	}
	if err := CheckText(doc); err != nil {
		return nil, nil, err
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		fe := settingError("", "json", morph.Text{EN: "The " + what.EN + " is not valid JSON: " + err.Error(),
			ZH: what.ZH + "不是有效的 JSON：" + err.Error()})
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset > 0 {
			fe.Offset = int(se.Offset) - 1
		}
		return nil, nil, &morph.Error{Code: morph.EInvalidJSON, Text: fe.Text, Fields: []morph.FieldError{fe}}
	}
	root, ok := raw.(map[string]any)
	if !ok {
		return nil, nil, morph.Invalid(settingError("", "type", morph.Text{EN: "A " + what.EN + " must be a JSON object",
			ZH: what.ZH + "必须是 JSON 对象"}))
	}
	return raw, root, nil
}
