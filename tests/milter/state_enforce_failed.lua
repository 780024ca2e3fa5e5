-- state_enforce_failed.lua - DESIGN §6 state "enforce/failed": enforce, every MX failed the probe: held.
-- -D domains=D1[,D2...]: each must be in that state.
dofile(libdir .. "/lib.lua")
run(function()
	local doms = split(domains)
	check(#doms > 0, "no domains given")
	for _, d in ipairs(doms) do
		expect_state(d, "enforce/failed")
	end
end)
