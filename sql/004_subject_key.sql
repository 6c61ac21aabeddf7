-- 004_subject_key: the normalised subject of each derived message, indexed,
-- so that the incremental update (tracker/derive_update.c) finds the
-- conversations a batch can join by subject with an index lookup instead of
-- reading every member of every conversation of the batch's customers
-- active within thread_window (most of an update's time on a million
-- messages).
--
-- Rows derived before this migration have no key: the derived layer's
-- version in the configuration digest changed with it (derive_mirror.c), so
-- the first poll or import after the upgrade recomputes everything, which
-- fills the column.

ALTER TABLE replyclock.messages ADD COLUMN subject_key text;
COMMENT ON COLUMN replyclock.messages.subject_key IS
	'The subject as threading compares it (SPEC §4.3: prefixes such as Re:/SV:/Fwd: and white space normalised, lower-cased); NULL when that leaves nothing (an empty subject never joins by subject).';
CREATE INDEX messages_subject_key_idx ON replyclock.messages (subject_key) WHERE subject_key IS NOT NULL;
