-- local_only.lua - recipients only in local_domains: nothing is checked
-- and no header is added, but the client's MTA-STS-Status is still
-- removed (DESIGN §6).
-- -D localdom=D (in local_domains)
dofile(libdir .. "/lib.lua")
run(function()
	local conn, r = message{rcpts = {"<a@" .. localdom .. ">",
	    "<b@" .. string.upper(localdom) .. ">"},
	    headers = {{STATUS, "forged=none"}}}
	expect_reply(r, SMFIR_ACCEPT)
	expect_no_status(conn)
	check(mt.eom_check(conn, MT_HDRDELETE, STATUS),
	    "the client's %s was not removed", STATUS)
	expect_not_held(conn)
	mt.disconnect(conn)
end)
