-- recipients.lua - recipient domains (DESIGN §6): lower-case, each once in
-- order of first appearance; local_domains, address literals and
-- recipients without a domain are skipped; only the holding domains are
-- named in the quarantine reason.
-- -D enforce=D (first answer enforce/pending) testing=D none=D localdom=D
dofile(libdir .. "/lib.lua")
run(function()
	local conn, r = message{rcpts = {
		"<Alice@" .. string.upper(enforce) .. ">",
		"<bob@" .. testing .. ">",
		"<postmaster>",
		"<carol@" .. enforce .. ">",
		"<dave@[192.0.2.7]>",
		"<erin@" .. string.upper(localdom) .. ">",
		"frank@" .. none .. ".",
		"<@relay.example,@hop.example:grace@" .. testing .. ">",
		"<heidi@[IPv6:2001:db8::1]>",
	}}
	expect_reply(r, SMFIR_ACCEPT)
	expect_status(conn, enforce .. "=enforce/pending; " .. testing ..
	    "=testing; " .. none .. "=none")
	expect_held(conn, {enforce})
	mt.disconnect(conn)
end)
