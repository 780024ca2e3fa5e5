-- state_pending.lua - DESIGN §6 state "pending": discovery still running after milter_wait: held.
-- -D domains=D1[,D2...]: each must be in that state.
dofile(libdir .. "/lib.lua")
run(function()
	local doms = split(domains)
	check(#doms > 0, "no domains given")
	for _, d in ipairs(doms) do
		expect_state(d, "pending")
	end
end)
