#
# statefile.py - notice changes of the world state file cheaply and surely.
#
# SYNOPSIS
#	sf = StateFile(path)
#	sf.poll(apply)		# calls apply(document) if the file changed
#
# DESCRIPTION
#	world.py replaces state.json with a rename on every change. A stat
#	per query is cheap, but (inode, mtime, size) alone is not a safe
#	signature: inodes are reused and file times come from a coarse clock,
#	so two same-sized writes a few milliseconds apart can look identical.
#	So the signature is trusted only once the file was read at least
#	TRUST seconds after its mtime; until then every poll reads the file
#	again and compares the bytes.
#
import json
import os
import threading
import time

TRUST = 0.2


class StateFile:
	"""StateFile - one JSON state file, re-read when it changes."""

	def __init__(self, path):
		self.path = path
		self.sig = None
		self.trusted = False
		self.raw = None
		self.lock = threading.Lock()

	def poll(self, apply):
		"""poll - apply(state) under the lock if the file changed."""
		try:
			st = os.stat(self.path)
		except OSError:
			return None
		sig = (st.st_ino, st.st_mtime_ns, st.st_size)
		if sig == self.sig and self.trusted:
			return None
		with self.lock:
			now = time.time()
			try:
				with open(self.path, "rb") as f:
					raw = f.read()
			except OSError:
				return None
			self.sig = sig
			self.trusted = now - st.st_mtime > TRUST
			if raw == self.raw:
				return None
			try:
				state = json.loads(raw)
			except ValueError:
				return None	# never half-written, but be safe
			apply(state)
			self.raw = raw
			return state
