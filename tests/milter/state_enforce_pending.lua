-- state_enforce_pending.lua - DESIGN §6 state "enforce/pending": enforce, no confirmed route yet: held.
-- -D domains=D1[,D2...]: each must be in that state.
dofile(libdir .. "/lib.lua")
run(function()
	local doms = split(domains)
	check(#doms > 0, "no domains given")
	for _, d in ipairs(doms) do
		expect_state(d, "enforce/pending")
	end
end)
