-- no_queue_id.lua - without a queue id ({i}) the hold cannot be
-- registered: on_policyd_error decides (DESIGN §6) - accept: tagged,
-- not held; tempfail: 451 and no change.
-- -D enforce=D (first answer enforce/pending) action=accept|tempfail
dofile(libdir .. "/lib.lua")
run(function()
	local conn, r = message{qid = false,
	    rcpts = {"<a@" .. enforce .. ">"}}
	if action == "tempfail" then
		expect_tempfail(conn, r)
		expect_untouched(conn)
	else
		expect_reply(r, SMFIR_ACCEPT)
		expect_status(conn, enforce .. "=enforce/pending")
		expect_not_held(conn)
	end
	mt.disconnect(conn)
end)
