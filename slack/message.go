package slack

import (
	"encoding/json"
	"fmt"

	slackapi "github.com/slack-go/slack"
)

// Slack's documented message limits, counted here in UTF-16 code units.
const (
	// MaxSectionText is the limit on a section block's text.
	MaxSectionText = 3000
	// MaxSectionFieldText is the limit on each text in a section's fields.
	MaxSectionFieldText = 2000
	// MaxBlocks is the limit on blocks in one message.
	MaxBlocks = 50
	// MaxFallbackText is the size the top-level text is cut to. Slack
	// truncates text longer than 40,000 characters and recommends at most
	// 4,000; the fallback only feeds notifications and screen readers.
	MaxFallbackText = 4000
)

// Message is one chat.postMessage payload: Block Kit blocks and the plain
// text fallback that notifications, screen readers and clients without
// blocks show. Both are mrkdwn. The builders in this package escape every
// user value; a caller who builds blocks by hand should pass user text
// through [Escape].
type Message struct {
	// Text is the top-level text fallback.
	Text string
	// Blocks are the Block Kit blocks; they may be empty.
	Blocks []slackapi.Block
}

// BlocksJSON returns the blocks as Slack receives them in the "blocks"
// parameter.
func (m Message) BlocksJSON() ([]byte, error) {
	if len(m.Blocks) == 0 {
		return []byte("[]"), nil
	}

	return json.Marshal(m.Blocks)
}

// fitted returns a copy of m that fits Slack's limits: the fallback and
// every section text and field are truncated, and blocks past MaxBlocks are
// replaced by one section saying how many were left out.
func (m Message) fitted() Message {
	out := Message{Text: Truncate(m.Text, MaxFallbackText)}
	blocks := m.Blocks
	if len(blocks) > MaxBlocks {
		dropped := len(blocks) - (MaxBlocks - 1)
		blocks = append(blocks[:MaxBlocks-1:MaxBlocks-1],
			section(fmt.Sprintf("%s %d more blocks left out", TruncationMarker, dropped)))
	}
	out.Blocks = make([]slackapi.Block, len(blocks))
	for i, b := range blocks {
		out.Blocks[i] = fitBlock(b)
	}

	return out
}

func fitBlock(b slackapi.Block) slackapi.Block {
	s, ok := b.(*slackapi.SectionBlock)
	if !ok {
		return b
	}
	fitted := *s
	if s.Text != nil {
		fitted.Text = fitTextObject(s.Text, MaxSectionText)
	}
	if len(s.Fields) > 0 {
		fitted.Fields = make([]*slackapi.TextBlockObject, len(s.Fields))
		for i, f := range s.Fields {
			fitted.Fields[i] = fitTextObject(f, MaxSectionFieldText)
		}
	}

	return &fitted
}

func fitTextObject(t *slackapi.TextBlockObject, limit int) *slackapi.TextBlockObject {
	if t == nil || textLength(t.Text) <= limit {
		return t
	}
	c := *t
	c.Text = Truncate(t.Text, limit)

	return &c
}

// section returns a section block with mrkdwn text. The text objects are
// verbatim, so Slack does not turn a plain "@channel" or "@here" in a
// workflow name or an error into a mention, nor a plain URL or #channel
// into a link.
func section(text string) *slackapi.SectionBlock {
	return slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, text, false, true), nil, nil)
}

// sectionWithFields returns a section block made of mrkdwn fields.
func sectionWithFields(fields ...string) *slackapi.SectionBlock {
	objs := make([]*slackapi.TextBlockObject, len(fields))
	for i, f := range fields {
		objs[i] = slackapi.NewTextBlockObject(slackapi.MarkdownType, f, false, true)
	}

	return slackapi.NewSectionBlock(nil, objs, nil)
}
