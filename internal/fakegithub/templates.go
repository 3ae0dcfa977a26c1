package fakegithub

import (
	"embed"
	"encoding/json"
	"fmt"
)

//go:embed testdata/*.json
var templates embed.FS

// template returns a fresh copy of a recorded response body, so a handler can
// override fields without touching other responses.
func template(name string) map[string]any {
	raw, err := templates.ReadFile("testdata/" + name)
	if err != nil {
		// The files are embedded at build time, so only a renamed file gets here.
		panic(fmt.Sprintf("fakegithub: missing template %s: %v", name, err))
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(fmt.Sprintf("fakegithub: invalid template %s: %v", name, err))
	}

	return out
}
