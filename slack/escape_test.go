package slack_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hishamos/integrations-external/slack"
)

func TestEscape(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"<!channel>", "&lt;!channel&gt;"},
		{"<@U123>", "&lt;@U123&gt;"},
		{"<https://x|y>", "&lt;https://x|y&gt;"},
		{"AT&T", "AT&amp;T"},
		{"a && b", "a &amp;&amp; b"},
		{"&lt;kept&gt; &amp;", "&lt;kept&gt; &amp;"},
		{"&ltx", "&amp;ltx"},
		{"&", "&amp;"},
	}
	for _, tt := range tests {
		if got := slack.Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if twice := slack.Escape(slack.Escape(tt.in)); twice != tt.want {
			t.Errorf("Escape twice (%q) = %q, want %q", tt.in, twice, tt.want)
		}
	}
}

func TestTruncateMultiByte(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("é世😀", 2000)

	got := slack.Truncate(s, 3000)
	if !utf8.ValidString(got) {
		t.Fatal("truncated text is not valid UTF-8")
	}
	if !strings.HasSuffix(got, slack.TruncationMarker) {
		t.Errorf("got suffix %q, want %q", got[len(got)-20:], slack.TruncationMarker)
	}
	if n := utf16Len(got); n > 3000 {
		t.Errorf("got %d UTF-16 units, want at most 3000", n)
	}
	if n := utf16Len(got); n < 2990 {
		t.Errorf("got %d UTF-16 units, want close to 3000", n)
	}
	if !strings.HasPrefix(s, strings.TrimSuffix(got, slack.TruncationMarker)) {
		t.Error("truncated text is not a prefix of the input")
	}
}

func TestTruncateKeepsEntities(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("x", 8) + "&amp;" + strings.Repeat("y", 20)
	limit := 10 + utf8.RuneCountInString(slack.TruncationMarker)

	got := slack.Truncate(s, limit)
	if want := strings.Repeat("x", 8) + slack.TruncationMarker; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTruncateShortUnchanged(t *testing.T) {
	t.Parallel()
	if got := slack.Truncate("short", 10); got != "short" {
		t.Errorf("got %q, want short", got)
	}
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}

	return n
}

// TestMentionInjection sends names that would ping a channel, mention a
// user or forge a link, and checks what the server received.
func TestMentionInjection(t *testing.T) {
	t.Parallel()
	b := setup(t)
	name := "<!channel> <@U123> <https://x|y>"
	msg := slack.Command{Name: name, Status: slack.StatusFailed, Error: "<!here>"}.Build()

	if _, err := b.client.Post(context.Background(), testChannel, msg); err != nil {
		t.Fatalf("Post: %v", err)
	}
	got, err := b.srv.WaitForMessages(context.Background(), testChannel, 1)
	if err != nil {
		t.Fatal(err)
	}

	escaped := "&lt;!channel&gt; &lt;@U123&gt; &lt;https://x|y&gt;"
	wantText := "❌ Command *" + escaped + "* executed: failed\nCommand execution failed: &lt;!here&gt;"
	if got[0].Text != wantText {
		t.Errorf("got text %q, want %q", got[0].Text, wantText)
	}
	texts := sectionTextsJSON(t, got[0].Blocks)
	if len(texts) == 0 || texts[0] != wantText {
		t.Errorf("got first section %q, want %q", texts, wantText)
	}
	for _, s := range append(texts, got[0].Text) {
		if strings.ContainsAny(s, "<>") {
			t.Errorf("received text %q contains < or >", s)
		}
		if strings.Contains(s, "&amp;lt;") {
			t.Errorf("received text %q is escaped twice", s)
		}
	}
}

// TestLongMessageAcceptedBySlack posts multi-byte text over every limit and
// checks that the fake Slack, which enforces the limits, accepts it.
func TestLongMessageAcceptedBySlack(t *testing.T) {
	t.Parallel()
	b := setup(t)
	long := strings.Repeat("日本語😀<", 5000)
	msg := slack.Command{Name: "report", Status: slack.StatusSuccess, Summary: long}.Build()
	msg.Text = long + long

	if _, err := b.client.Post(context.Background(), testChannel, msg); err != nil {
		t.Fatalf("Post: %v", err)
	}
	got, err := b.srv.WaitForMessages(context.Background(), testChannel, 1)
	if err != nil {
		t.Fatal(err)
	}

	if n := utf16Len(got[0].Text); n > slack.MaxFallbackText {
		t.Errorf("got fallback of %d units, want at most %d", n, slack.MaxFallbackText)
	}
	if !strings.HasSuffix(got[0].Text, slack.TruncationMarker) {
		t.Error("fallback lacks the truncation marker")
	}
	texts := sectionTextsJSON(t, got[0].Blocks)
	if !utf8.ValidString(texts[0]) || !strings.HasSuffix(texts[0], slack.TruncationMarker) {
		t.Errorf("first section ends %q, want valid UTF-8 ending in the marker", texts[0][len(texts[0])-30:])
	}
	if n := utf16Len(texts[0]); n > slack.MaxSectionText {
		t.Errorf("got section of %d units, want at most %d", n, slack.MaxSectionText)
	}
}

func TestTooManyBlocksCut(t *testing.T) {
	t.Parallel()
	b := setup(t)
	msg := slack.TestMessage{}.Build()
	for range 60 {
		msg.Blocks = append(msg.Blocks, msg.Blocks[0])
	}

	if _, err := b.client.Post(context.Background(), testChannel, msg); err != nil {
		t.Fatalf("Post: %v", err)
	}
	got, err := b.srv.WaitForMessages(context.Background(), testChannel, 1)
	if err != nil {
		t.Fatal(err)
	}

	texts := sectionTextsJSON(t, got[0].Blocks)
	if len(texts) != slack.MaxBlocks {
		t.Fatalf("got %d blocks, want %d", len(texts), slack.MaxBlocks)
	}
	if want := slack.TruncationMarker + " 12 more blocks left out"; texts[len(texts)-1] != want {
		t.Errorf("got last block %q, want %q", texts[len(texts)-1], want)
	}
}
