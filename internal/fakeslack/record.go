package fakeslack

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"unicode/utf16"
)

// Slack's limits, which chat.postMessage enforces here.
const (
	maxText          = 40000
	maxBlocks        = 50
	maxSectionText   = 3000
	maxFieldText     = 2000
	maxSectionFields = 10
)

// PostedMessage is one message that chat.postMessage accepted.
type PostedMessage struct {
	// Channel is the channel id.
	Channel string
	// Text is the top-level text as received.
	Text string
	// Blocks is the blocks parameter as received, or nil without blocks.
	Blocks json.RawMessage
	// Timestamp is the ts the server gave the message.
	Timestamp string
	// Params holds every request parameter except the token.
	Params map[string]string
}

// record stores a message and wakes every WaitForMessages call.
func (s *Server) record(channel, text string, blocks json.RawMessage, params map[string]string) PostedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	p := maps.Clone(params)
	delete(p, "token")
	msg := PostedMessage{
		Channel:   channel,
		Text:      text,
		Blocks:    blocks,
		Timestamp: fmt.Sprintf("1700000000.%06d", s.seq),
		Params:    p,
	}
	s.messages = append(s.messages, msg)
	s.signalLocked()

	return msg
}

// Messages returns the messages posted to channel, oldest first. An empty
// channel returns the messages of every channel.
func (s *Server) Messages(channel string) []PostedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()

	return s.messagesLocked(channel)
}

func (s *Server) messagesLocked(channel string) []PostedMessage {
	if channel == "" {
		return slices.Clone(s.messages)
	}
	var out []PostedMessage
	for _, m := range s.messages {
		if m.Channel == channel {
			out = append(out, m)
		}
	}

	return out
}

// WaitForMessages blocks until at least n messages were posted to channel
// (any channel when it is ""), then returns them all. It returns ctx's
// error, with the messages so far, when ctx ends first.
func (s *Server) WaitForMessages(ctx context.Context, channel string, n int) ([]PostedMessage, error) {
	for {
		s.mu.Lock()
		msgs := s.messagesLocked(channel)
		changed := s.changed
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs, nil
		}

		select {
		case <-changed:
		case <-ctx.Done():
			return msgs, fmt.Errorf("fakeslack: waiting for %d messages in %q, got %d: %w", n, channel, len(msgs), ctx.Err())
		}
	}
}

// block is the part of a Block Kit block that the limits apply to.
type block struct {
	Type string `json:"type"`
	Text *struct {
		Text string `json:"text"`
	} `json:"text"`
	Fields []struct {
		Text string `json:"text"`
	} `json:"fields"`
}

// checkBlocks validates the blocks parameter and returns it as raw JSON,
// or a description of the first problem in Slack's words.
func checkBlocks(blocksJSON string) (json.RawMessage, string) {
	if blocksJSON == "" {
		return nil, ""
	}
	var blocks []block
	if err := json.Unmarshal([]byte(blocksJSON), &blocks); err != nil {
		return nil, "invalid JSON array of blocks [json-pointer:/blocks]"
	}
	if len(blocks) > maxBlocks {
		return nil, fmt.Sprintf("no more than %d items allowed [json-pointer:/blocks]", maxBlocks)
	}
	for i, b := range blocks {
		if b.Type != "section" {
			continue
		}
		if b.Text != nil && utf16Len(b.Text.Text) > maxSectionText {
			return nil, fmt.Sprintf("must be less than %d characters [json-pointer:/blocks/%d/text/text]", maxSectionText+1, i)
		}
		if len(b.Fields) > maxSectionFields {
			return nil, fmt.Sprintf("no more than %d items allowed [json-pointer:/blocks/%d/fields]", maxSectionFields, i)
		}
		for j, f := range b.Fields {
			if utf16Len(f.Text) > maxFieldText {
				return nil, fmt.Sprintf("must be less than %d characters [json-pointer:/blocks/%d/fields/%d/text]", maxFieldText+1, i, j)
			}
		}
	}

	return json.RawMessage(blocksJSON), ""
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }
