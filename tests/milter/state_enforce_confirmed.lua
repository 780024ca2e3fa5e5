-- state_enforce_confirmed.lua - DESIGN §6 state "enforce/confirmed": enforce, route confirmed: tagged, not held.
-- -D domains=D1[,D2...]: each must be in that state.
dofile(libdir .. "/lib.lua")
run(function()
	local doms = split(domains)
	check(#doms > 0, "no domains given")
	for _, d in ipairs(doms) do
		expect_state(d, "enforce/confirmed")
	end
end)
