-- policyd_error.lua - policyd stopped, or not answering: every domain is
-- "unknown" and on_policyd_error decides (DESIGN §6) - accept: tagged,
-- not held; tempfail: 451 and no change.
-- -D domains=D1,D2 action=accept|tempfail
dofile(libdir .. "/lib.lua")
run(function()
	local doms = split(domains)
	local rcpts, want = {}, {}
	for i, d in ipairs(doms) do
		rcpts[i] = "<user@" .. d .. ">"
		want[i] = d .. "=unknown"
	end
	local conn, r = message{rcpts = rcpts,
	    headers = {{STATUS, "forged=none"}}}
	if action == "tempfail" then
		expect_tempfail(conn, r)
		expect_untouched(conn)
	else
		expect_reply(r, SMFIR_ACCEPT)
		expect_status(conn, table.concat(want, "; "))
		expect_not_held(conn)
	end
	mt.disconnect(conn)
end)
