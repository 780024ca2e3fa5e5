-- fold.lua - a long MTA-STS-Status is folded (RFC 5322 §2.2.3) before a
-- domain, no line longer than 78 characters, and unfolds to the exact
-- "d=state; d=state" list (DESIGN §6).
-- -D domains=D1,D2,...: domains without a policy (state none)
dofile(libdir .. "/lib.lua")
run(function()
	local doms = split(domains)
	local rcpts, want = {}, {}
	for i, d in ipairs(doms) do
		rcpts[i] = "<user@" .. d .. ">"
		want[i] = d .. "=none"
	end
	local conn, r = message{rcpts = rcpts}
	expect_reply(r, SMFIR_ACCEPT)
	expect_not_held(conn)
	local raw = mt.getheader(conn, STATUS, 0)
	check(raw ~= nil, "no header added")
	check(string.find(raw, "\n", 1, true) ~= nil,
	    "a %d-byte value is not folded", #raw)
	local first = true
	for line in string.gmatch(raw .. "\n", "([^\n]*)\n") do
		local len = #line
		if first then
			len = len + #STATUS + 2
		else
			check(string.sub(line, 1, 1) == " ",
			    "continuation line %q does not start with a space",
			    line)
		end
		check(len <= 78, "line of %d characters: %q", len, line)
		first = false
	end
	expect_status(conn, table.concat(want, "; "))
	mt.disconnect(conn)
end)
