-- tls_required.lua - "TLS-Required: No" (RFC 8689 §5, any case, with
-- white space) is tagged but never held (DESIGN §6), even when a domain
-- would hold the message; "TLS-Required: yes" changes nothing.
-- -D enforce=D1,D2 (two fresh enforce domains)
dofile(libdir .. "/lib.lua")
run(function()
	local doms = split(enforce)
	local conn, r = message{rcpts = {"<a@" .. doms[1] .. ">"},
	    headers = {{"tls-required", "  nO "}}}
	expect_reply(r, SMFIR_ACCEPT)
	expect_status(conn, doms[1] .. "=enforce/pending")
	expect_not_held(conn)
	mt.disconnect(conn)

	conn, r = message{rcpts = {"<a@" .. doms[2] .. ">"},
	    headers = {{"TLS-Required", "yes"}}}
	expect_reply(r, SMFIR_ACCEPT)
	expect_status(conn, doms[2] .. "=enforce/pending")
	expect_held(conn, {doms[2]})
	mt.disconnect(conn)
end)
