-- The headers column of webhook_endpoints holds the custom headers sealed
-- with the keyring ("enc:v1:..."), because they often carry credentials.
-- Open seals the plain JSON that earlier versions wrote, in Go, since that
-- needs the keyring. This version number exists so that an earlier version
-- refuses the file with a clear error instead of failing to decode sealed
-- headers. No table changes.
SELECT 1;
