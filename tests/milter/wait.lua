-- wait.lua - several domains whose discovery hangs: each is "pending",
-- the message is held, and the milter never waits longer than
-- milter_wait in all (DESIGN §6; the runner measures the time).
-- -D domains=D1,D2,...
dofile(libdir .. "/lib.lua")
run(function()
	local doms = split(domains)
	local rcpts, want = {}, {}
	for i, d in ipairs(doms) do
		rcpts[i] = "<user@" .. d .. ">"
		want[i] = d .. "=pending"
	end
	local conn, r = message{rcpts = rcpts}
	expect_reply(r, SMFIR_ACCEPT)
	expect_status(conn, table.concat(want, "; "))
	expect_held(conn, doms)
	mt.disconnect(conn)
end)
