-- 001_facts: the facts layer (SPEC §3): what the mail servers said, never edited.
--
-- How migrations run (tracker/store.c): `replyclock db migrate` first creates
-- the schema `replyclock` and the bookkeeping table
-- replyclock.schema_migrations (number, name, applied_at) itself, so this and
-- every later file only adds objects. Each file runs in its own transaction
-- together with its row in schema_migrations, under a transaction-level
-- advisory lock, so files must not contain BEGIN/COMMIT. Everything here
-- needs only a role that owns the database: no superuser, no extensions.
--
-- All instants are timestamptz(0): whole seconds (SPEC §4.1).

CREATE TABLE replyclock.mailboxes (
	id         bigserial PRIMARY KEY,
	name       text NOT NULL UNIQUE,
	created_at timestamptz(0) NOT NULL DEFAULT date_trunc('second', now())
);
COMMENT ON TABLE replyclock.mailboxes IS
	'One row per configured [mailbox NAME] (or --mailbox of an import) that replyclock has ever stored a message for.';
COMMENT ON COLUMN replyclock.mailboxes.name IS
	'The NAME of the [mailbox NAME] section in the configuration.';
COMMENT ON COLUMN replyclock.mailboxes.created_at IS
	'When replyclock first stored anything for this mailbox.';

CREATE TABLE replyclock.folders (
	id             bigserial PRIMARY KEY,
	mailbox_id     bigint NOT NULL REFERENCES replyclock.mailboxes (id),
	name           text NOT NULL,
	role           text NOT NULL CHECK (role IN ('inbound', 'sent')),
	uidvalidity    bigint NOT NULL DEFAULT 0 CHECK (uidvalidity BETWEEN 0 AND 4294967295),
	last_uid       bigint NOT NULL DEFAULT 0 CHECK (last_uid BETWEEN 0 AND 4294967295),
	highestmodseq  bigint,
	last_synced_at timestamptz(0),
	UNIQUE (mailbox_id, name),
	-- lets sightings check that their (folder, mailbox) pair is consistent
	UNIQUE (id, mailbox_id)
);
COMMENT ON TABLE replyclock.folders IS
	'Per-folder sync state: how far replyclock has read each folder. Answers "has this folder been read, up to which UID, and when?".';
COMMENT ON COLUMN replyclock.folders.name IS
	'IMAP folder name as the server spells it (e.g. INBOX, Sent Items); for imports the path given to `replyclock import`.';
COMMENT ON COLUMN replyclock.folders.role IS
	'inbound: customer mail arrives here; sent: the team''s replies are stored here. Follows the current configuration.';
COMMENT ON COLUMN replyclock.folders.uidvalidity IS
	'The folder''s IMAP UIDVALIDITY when last synced; 0 = never synced. When the server changes it, the cursor restarts and older sightings stay.';
COMMENT ON COLUMN replyclock.folders.last_uid IS
	'Highest UID stored under the current uidvalidity; the next sync fetches UIDs above it. Advanced in the same transaction as the sightings it covers.';
COMMENT ON COLUMN replyclock.folders.highestmodseq IS
	'CONDSTORE HIGHESTMODSEQ of the last flag scan (RFC 7162); NULL when the server lacks CONDSTORE or no scan ran yet.';
COMMENT ON COLUMN replyclock.folders.last_synced_at IS
	'When the last batch of this folder was committed.';

-- Imports (mbox files, Maildir folders) have no IMAP UID. Convention used by
-- the importer so that the unique key below makes a re-import a no-op:
--   folder name  = the import path as given (absolute path of the mbox file
--                  or Maildir folder),
--   uidvalidity  = a stable 32-bit hash of that path (never 0),
--   uid          = the message's 1-based position in the mbox file, or in the
--                  Maildir folder's file names sorted bytewise.
CREATE TABLE replyclock.sightings (
	id                       bigserial PRIMARY KEY,
	mailbox_id               bigint NOT NULL REFERENCES replyclock.mailboxes (id),
	folder_id                bigint NOT NULL,
	-- IMAP UIDs and UIDVALIDITY are non-zero 32-bit numbers (RFC 3501
	-- nz-number); refusing 0 stops an importer that forgot the convention
	-- below from collapsing a whole file into one row.
	uidvalidity              bigint NOT NULL CHECK (uidvalidity BETWEEN 1 AND 4294967295),
	uid                      bigint NOT NULL CHECK (uid BETWEEN 1 AND 4294967295),
	internaldate             timestamptz(0),
	size                     bigint,
	message_id               text NOT NULL,
	message_id_synthetic     boolean NOT NULL DEFAULT false,
	in_reply_to              text,
	references_              text[] NOT NULL DEFAULT '{}',
	from_addr                text,
	from_name                text,
	to_addrs                 text[] NOT NULL DEFAULT '{}',
	cc_addrs                 text[] NOT NULL DEFAULT '{}',
	date_header              timestamptz(0),
	subject                  text,
	auto_submitted           text,
	x_autoreply              text,
	x_autorespond            text,
	x_loop                   text,
	x_auto_response_suppress text,
	precedence               text,
	list_id                  text,
	content_type             text,
	thread_index             text,
	flags                    text[] NOT NULL DEFAULT '{}',
	raw_headers              bytea,
	parse_error              text,
	stored_at                timestamptz(0) NOT NULL DEFAULT date_trunc('second', now()),
	FOREIGN KEY (folder_id, mailbox_id) REFERENCES replyclock.folders (id, mailbox_id),
	UNIQUE (mailbox_id, folder_id, uidvalidity, uid)
);
-- The tracker joins sightings into logical messages by Message-ID, and
-- threads by looking up In-Reply-To/References ids among them.
CREATE INDEX sightings_message_id_idx ON replyclock.sightings (message_id);

COMMENT ON TABLE replyclock.sightings IS
	'One row per message seen in a folder: exactly what the server and the headers said, never edited. The same Message-ID in two folders is two sightings of one logical message.';
COMMENT ON COLUMN replyclock.sightings.uidvalidity IS
	'UIDVALIDITY of the folder when the message was read; with uid it identifies the message on the server (for imports see the convention above the table).';
COMMENT ON COLUMN replyclock.sightings.uid IS
	'IMAP UID in the folder (imports: 1-based position in the file or folder).';
COMMENT ON COLUMN replyclock.sightings.internaldate IS
	'IMAP INTERNALDATE: when the server received the message; the arrival time of a customer message (SPEC §4.1). NULL for imports without one.';
COMMENT ON COLUMN replyclock.sightings.size IS
	'RFC822.SIZE in bytes (imports: the message''s size in the file).';
COMMENT ON COLUMN replyclock.sightings.message_id IS
	'Message-ID without angle brackets; synthetic (derived from the headers) when the message had none.';
COMMENT ON COLUMN replyclock.sightings.message_id_synthetic IS
	'true when message_id was made up by replyclock because the header was missing or unparsable.';
COMMENT ON COLUMN replyclock.sightings.in_reply_to IS
	'First id of In-Reply-To, without angle brackets: the message this one answers.';
COMMENT ON COLUMN replyclock.sightings.references_ IS
	'The References ids without angle brackets, in header order (oldest first).';
COMMENT ON COLUMN replyclock.sightings.from_addr IS
	'From address (addr-spec), lower-cased: decides team, customer or unassigned.';
COMMENT ON COLUMN replyclock.sightings.from_name IS
	'From display name, decoded from RFC 2047.';
COMMENT ON COLUMN replyclock.sightings.to_addrs IS
	'To addresses, lower-cased, in header order.';
COMMENT ON COLUMN replyclock.sightings.cc_addrs IS
	'Cc addresses, lower-cased, in header order.';
COMMENT ON COLUMN replyclock.sightings.date_header IS
	'The Date header (the sender''s clock); used as arrival time only with arrival_time = date, or when no INTERNALDATE is known.';
COMMENT ON COLUMN replyclock.sightings.subject IS
	'Subject decoded from RFC 2047, as written (not normalised).';
COMMENT ON COLUMN replyclock.sightings.auto_submitted IS
	'Raw Auto-Submitted header: anything but "no" makes the message noise (SPEC §4.2).';
COMMENT ON COLUMN replyclock.sightings.x_autoreply IS 'Raw X-Autoreply header (noise signal).';
COMMENT ON COLUMN replyclock.sightings.x_autorespond IS 'Raw X-Autorespond header (noise signal).';
COMMENT ON COLUMN replyclock.sightings.x_loop IS 'Raw X-Loop header (noise signal).';
COMMENT ON COLUMN replyclock.sightings.x_auto_response_suppress IS
	'Raw X-Auto-Response-Suppress header ("All" makes the message noise).';
COMMENT ON COLUMN replyclock.sightings.precedence IS
	'Raw Precedence header (bulk, junk, list, auto_reply make the message noise).';
COMMENT ON COLUMN replyclock.sightings.list_id IS 'Raw List-Id header: mailing-list traffic is noise.';
COMMENT ON COLUMN replyclock.sightings.content_type IS
	'Top-level MIME type/subtype, lower-cased (multipart/report = bounce or receipt, noise).';
COMMENT ON COLUMN replyclock.sightings.thread_index IS 'Outlook''s Thread-Index header, kept for threading audits.';
COMMENT ON COLUMN replyclock.sightings.flags IS
	'IMAP flags and keywords as the server sent them when the message was read (e.g. \Seen, $Resolved).';
COMMENT ON COLUMN replyclock.sightings.raw_headers IS
	'The header block byte for byte as fetched (bounded to 256 KiB): the evidence behind every parsed column.';
COMMENT ON COLUMN replyclock.sightings.parse_error IS
	'Why part of the headers could not be parsed; NULL when clean. The message is stored anyway (SPEC §6).';
COMMENT ON COLUMN replyclock.sightings.stored_at IS
	'When replyclock stored this sighting.';
