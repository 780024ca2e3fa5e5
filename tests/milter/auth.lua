-- auth.lua - an SMTP AUTH client ({auth_authen}) outside internal_hosts
-- is outbound (DESIGN §6): tagged and held like an internal one.
-- -D client=IP (not internal) enforce=D (first answer enforce/pending)
dofile(libdir .. "/lib.lua")
run(function()
	local conn, r = message{client = client, auth = "alice@example.org",
	    rcpts = {"<a@" .. enforce .. ">"}}
	expect_reply(r, SMFIR_ACCEPT)
	expect_status(conn, enforce .. "=enforce/pending")
	expect_held(conn, {enforce})
	mt.disconnect(conn)
end)
