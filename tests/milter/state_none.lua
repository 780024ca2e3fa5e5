-- state_none.lua - DESIGN §6 state "none": no policy, or a policy in mode none (RFC 8461 §5).
-- -D domains=D1[,D2...]: each must be in that state.
dofile(libdir .. "/lib.lua")
run(function()
	local doms = split(domains)
	check(#doms > 0, "no domains given")
	for _, d in ipairs(doms) do
		expect_state(d, "none")
	end
end)
