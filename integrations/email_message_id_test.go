package integrations_test

import (
	"bytes"
	"context"
	"net/mail"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/store"
)

// TestEmailRepeatKeepsMessageID sends one email delivery twice, the second
// time by a manual retry: both emails carry the delivery id in the same
// Message-ID, so a mail client can recognise the repeat.
func TestEmailRepeatKeepsMessageID(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	ctx := context.Background()
	m := store.NewEmailSettings(testUser, "alice@example.com")
	m.NotifyCommandExecution = true
	require.NoError(t, e.st.CreateEmailSettings(ctx, m))

	ids := command(t, e.d, "run-mail-id")
	require.Len(t, ids, 1)
	e.waitFinal(t, ids)
	_, err := e.d.Service().RetryDelivery(ctx, integrations.Caller{UserID: testUser}, ids[0])
	require.NoError(t, err)
	msgs, err := e.smtp.WaitForMessages(waitCtx(t), 2)
	require.NoError(t, err)
	require.Len(t, msgs, 2)

	var messageIDs []string
	for i, msg := range msgs {
		assert.True(t, bytes.Contains(msg.Data, []byte(ids[0])), "send %d of delivery %s does not name it", i+1, ids[0])
		parsed, err := mail.ReadMessage(bytes.NewReader(msg.Data))
		require.NoError(t, err)
		messageIDs = append(messageIDs, parsed.Header.Get("Message-Id"))
	}
	assert.Equal(t, messageIDs[0], messageIDs[1], "Message-IDs of two sends of delivery %s", ids[0])
}
