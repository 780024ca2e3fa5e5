-- inbound.lua - mail from a client outside internal_hosts without SMTP
-- AUTH is inbound: accepted at MAIL FROM, so nothing about it can change
-- (DESIGN §6); the next message on the same connection, authenticated,
-- is outbound.
-- -D client=IP (not internal) enforce=D (an enforce domain) none=D
dofile(libdir .. "/lib.lua")
run(function()
	local conn = connect(client)
	local r, stage = send(conn, {rcpts = {"<a@" .. enforce .. ">"},
	    headers = {{STATUS, "forged=enforce/confirmed"}}})
	check(stage == "mail", "inbound message reached %s", stage)
	expect_reply(r, SMFIR_ACCEPT)
	expect_untouched(conn)

	r, stage = send(conn, {auth = "alice", rcpts = {"<b@" .. none .. ">"}})
	check(stage == "eom", "authenticated message stopped at %s", stage)
	expect_reply(r, SMFIR_ACCEPT)
	expect_status(conn, none .. "=none")
	mt.disconnect(conn)
end)
