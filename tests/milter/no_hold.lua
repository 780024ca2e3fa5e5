-- no_hold.lua - with hold = no a holding state is tagged, never held
-- (DESIGN §6, mtasts.conf(5) hold).
-- -D enforce=D (first answer enforce/pending)
dofile(libdir .. "/lib.lua")
run(function()
	local conn, r = message{rcpts = {"<a@" .. enforce .. ">"}}
	expect_reply(r, SMFIR_ACCEPT)
	expect_status(conn, enforce .. "=enforce/pending")
	expect_not_held(conn)
	mt.disconnect(conn)
end)
