-- client_header.lua - MTA-STS-Status fields supplied by the client (any
-- case of the name) are removed and exactly one of ours is added
-- (DESIGN §6).
-- -D none=D (no policy)
dofile(libdir .. "/lib.lua")
run(function()
	local conn, r = message{rcpts = {"<a@" .. none .. ">"},
	    headers = {{"Subject", "hello"},
	    {STATUS, "evil.example=enforce/confirmed"},
	    {"mta-sts-status", "evil.example=none"}}}
	expect_reply(r, SMFIR_ACCEPT)
	check(mt.eom_check(conn, MT_HDRDELETE, STATUS),
	    "the client's %s was not removed", STATUS)
	expect_status(conn, none .. "=none")
	check(mt.getheader(conn, STATUS, 1) == nil, "two fields added")
	mt.disconnect(conn)
end)
