-- lib.lua - helpers shared by the mtasts-milter miltertest scripts.
--
-- SYNOPSIS
--	dofile(libdir .. "/lib.lua")
--	run(function()
--		local conn, reply = message{rcpts = {"<a@enforce.test>"}}
--		expect_reply(conn, reply, SMFIR_ACCEPT)
--		expect_status(conn, "enforce.test=enforce/pending")
--		expect_held(conn, {"enforce.test"})
--	end)
--
-- DESCRIPTION
--	Every script is run by tests/integration/test_milter.py as
--	"miltertest -s SCRIPT -D socket=... -D libdir=... -D NAME=VALUE ...";
--	the -D values arrive as globals (domain names, expected states).
--	run() turns any error into a "FAIL: reason" line on stdout and exit
--	status 1 (miltertest itself prints nothing on a Lua error).
--
--	message{...} plays one SMTP transaction: client (IP, default
--	127.0.0.1), auth ({auth_authen}), qid ({i}, default a fresh one;
--	false for none), from, rcpts, headers ({{name, value}, ...}). It
--	returns the connection and the milter's reply to end of message, or
--	to MAIL FROM when the milter accepted the message there (inbound).

STATUS = "MTA-STS-Status"
REASON_PREFIX = "MTA-STS: no confirmed TLS route yet to "

local qid_counter = 0

-- fail - report and stop the script.
function fail(fmt, ...)
	error(string.format(fmt, ...), 0)
end

-- check - fail unless cond.
function check(cond, fmt, ...)
	if not cond then
		fail(fmt, ...)
	end
end

-- reply_name - an SMFIR_* code as a word, for messages.
function reply_name(r)
	local names = {
		[SMFIR_ACCEPT] = "ACCEPT", [SMFIR_CONTINUE] = "CONTINUE",
		[SMFIR_REJECT] = "REJECT", [SMFIR_TEMPFAIL] = "TEMPFAIL",
		[SMFIR_DISCARD] = "DISCARD", [SMFIR_REPLYCODE] = "REPLYCODE",
	}
	return names[r] or tostring(r)
end

-- new_qid - a queue id unique to this script run.
function new_qid()
	qid_counter = qid_counter + 1
	return string.format("MT%s%d", (qidtag or "X"), qid_counter)
end

-- connect - a milter connection with a client at ip.
function connect(ip)
	local conn = mt.connect(socket, 40, 0.25)
	check(conn ~= nil, "cannot connect to the milter at %s", socket)
	local err = mt.conninfo(conn, "client.example", ip or "127.0.0.1")
	check(err == nil, "conninfo: %s", tostring(err))
	check(mt.getreply(conn) == SMFIR_CONTINUE,
	    "connect: reply %s", reply_name(mt.getreply(conn)))
	return conn
end

-- send - one message on conn; returns the final reply.
function send(conn, m)
	local qid = m.qid
	if qid == nil then
		qid = new_qid()
	end
	local macros = {}
	if qid then
		table.insert(macros, "i")
		table.insert(macros, qid)
	end
	if m.auth then
		table.insert(macros, "{auth_authen}")
		table.insert(macros, m.auth)
	end
	if #macros > 0 then
		mt.macro(conn, SMFIC_MAIL, table.unpack(macros))
	end
	local err = mt.mailfrom(conn, m.from or "<sender@internal.example>")
	check(err == nil, "MAIL: %s", tostring(err))
	local r = mt.getreply(conn)
	if r ~= SMFIR_CONTINUE then
		return r, "mail"
	end
	for _, rcpt in ipairs(m.rcpts or {}) do
		err = mt.rcptto(conn, rcpt)
		check(err == nil, "RCPT %s: %s", rcpt, tostring(err))
		check(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT %s: reply %s",
		    rcpt, reply_name(mt.getreply(conn)))
	end
	for _, h in ipairs(m.headers or {}) do
		err = mt.header(conn, h[1], h[2])
		check(err == nil, "header %s: %s", h[1], tostring(err))
		check(mt.getreply(conn) == SMFIR_CONTINUE, "header %s: reply %s",
		    h[1], reply_name(mt.getreply(conn)))
	end
	err = mt.eoh(conn)
	check(err == nil, "EOH: %s", tostring(err))
	err = mt.eom(conn)
	check(err == nil, "EOM: %s", tostring(err))
	return mt.getreply(conn), "eom"
end

-- message - connect and send one message: conn, reply, stage.
function message(m)
	local conn = connect(m.client)
	local r, stage = send(conn, m)
	return conn, r, stage
end

-- expect_reply - the milter's final reply must be want.
function expect_reply(r, want)
	check(r == want, "reply %s, want %s", reply_name(r), reply_name(want))
end

-- TEMPFAIL_TEXTS - what the milter says with its 451 4.3.0.
TEMPFAIL_TEXTS = {
	"MTA-STS check failed: policy service unavailable; try again later",
	"MTA-STS check failed: hold not registered; try again later",
}

-- expect_tempfail - refused for now: 451 4.3.0 with one of our texts
-- (miltertest matches a reply only with code, status and text).
function expect_tempfail(conn, r)
	expect_reply(r, SMFIR_REPLYCODE)
	for _, text in ipairs(TEMPFAIL_TEXTS) do
		if mt.eom_check(conn, MT_SMTPREPLY, "451", "4.3.0", text) then
			return
		end
	end
	fail("a reply code, but not 451 4.3.0 with a known text")
end

-- status_of - the MTA-STS-Status value the milter added (unfolded), or nil.
function status_of(conn)
	if not mt.eom_check(conn, MT_HDRADD, STATUS) then
		return nil
	end
	local v = mt.getheader(conn, STATUS, 0)
	if v == nil then
		return nil
	end
	return (string.gsub(v, "\r?\n", ""))
end

-- expect_status - the added header must be exactly want.
function expect_status(conn, want)
	local got = status_of(conn)
	check(got == want, "MTA-STS-Status: got %q, want %q", tostring(got), want)
end

-- expect_no_status - no header added.
function expect_no_status(conn)
	check(not mt.eom_check(conn, MT_HDRADD),
	    "a header was added: %q", tostring(mt.getheader(conn, STATUS, 0)))
	check(not mt.eom_check(conn, MT_HDRINSERT), "a header was inserted")
end

-- expect_held - quarantined with a reason naming exactly these domains.
function expect_held(conn, domains)
	local reason = REASON_PREFIX .. table.concat(domains, ", ")
	check(mt.eom_check(conn, MT_QUARANTINE), "not quarantined")
	check(mt.eom_check(conn, MT_QUARANTINE, reason),
	    "quarantined, but not with the reason %q", reason)
end

-- expect_not_held - no quarantine.
function expect_not_held(conn)
	check(not mt.eom_check(conn, MT_QUARANTINE), "quarantined")
end

-- expect_untouched - no change of any kind at end of message.
function expect_untouched(conn)
	check(not mt.eom_check(conn, MT_HDRADD), "header added")
	check(not mt.eom_check(conn, MT_HDRINSERT), "header inserted")
	check(not mt.eom_check(conn, MT_HDRCHANGE), "header changed")
	check(not mt.eom_check(conn, MT_HDRDELETE), "header deleted")
	check(not mt.eom_check(conn, MT_QUARANTINE), "quarantined")
end

-- run - the script body; any failure ends the run with exit status 1.
function run(body)
	local ok, err = pcall(body)
	if not ok then
		mt.echo("FAIL: " .. tostring(err))
		error(err, 0)
	end
	mt.echo("PASS")
end

-- HOLDING - the states that keep a message in quarantine (DESIGN §6).
HOLDING = {
	["pending"] = true, ["enforce/pending"] = true,
	["enforce/failed"] = true,
}

-- split - the words of a comma-separated -D value.
function split(s)
	local out = {}
	for w in string.gmatch(s or "", "[^,]+") do
		table.insert(out, w)
	end
	return out
end

-- expect_state - one outbound message to domain: tagged with state, held
-- exactly when the state holds (hold = yes).
function expect_state(domain, state)
	local conn, r = message{rcpts = {"<user@" .. domain .. ">"}}
	expect_reply(r, SMFIR_ACCEPT)
	expect_status(conn, domain .. "=" .. state)
	if HOLDING[state] then
		expect_held(conn, {domain})
	else
		expect_not_held(conn)
	end
	mt.disconnect(conn)
end
