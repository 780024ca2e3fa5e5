-- state_testing.lua - DESIGN §6 state "testing": mode testing: tagged, never held (RFC 8461 §5).
-- -D domains=D1[,D2...]: each must be in that state.
dofile(libdir .. "/lib.lua")
run(function()
	local doms = split(domains)
	check(#doms > 0, "no domains given")
	for _, d in ipairs(doms) do
		expect_state(d, "testing")
	end
end)
