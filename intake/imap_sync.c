/* Incremental UID sync of one IMAP folder into the store: EXAMINE, compare
 * UIDVALIDITY and the stored cursor, UID FETCH the new messages' headers in
 * batches, and store each batch with the advanced cursor in one transaction,
 * so a connection dropped at any moment loses and doubles nothing.
 *
 * Pipelining: while batch k is being stored by a helper thread (the
 * "storer"), batch k+1 is fetched and parsed. Batches are stored strictly
 * in order, each with its own cursor, so the guarantee above holds; at most
 * two batches are in memory. The storer also runs the derived update of
 * each batch after its commit (deriver.c), overlapping the next fetch. */
#include "intake/intake_p.h"
#include "tracker/log.h"
#include "tracker/util.h"

#include <libetpan/libetpan.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_MIN 2000   /* show progress on a TTY from this many messages */

struct sync_ctx {
	struct imap_session *s;
	struct store *st;
	struct deriver *dv;       /* derived update after each stored batch */
	const char *folder;
	long folder_id;
	uint32_t uidvalidity;
	uint32_t cursor;          /* highest UID whose fate is stored (storer side) */
	uint32_t queued;          /* cursor of the last batch handed to the storer */
	struct storer *sp;
	struct mailimap_fetch_type *ft;
	struct sync_stats *stats;
	int *store_status;
	char **err;
	size_t total;             /* expected messages, for progress */
	struct timespec t0;
	bool progress;
	bool stored;              /* the cursor was written at least once */
};

static double since_s(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static struct mailimap_fetch_type *fetch_type(void)
{
	clist *hl = clist_new();
	for (size_t i = 0; headers_wanted[i]; i++)
		clist_append(hl, xstrdup(headers_wanted[i]));   /* the list owns the names */
	struct mailimap_section *sec = mailimap_section_new_header_fields(mailimap_header_list_new(hl));
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_internaldate());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_flags());
	/* BODY.PEEK: fetching must not set \Seen in the shared mailbox. */
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_body_peek_section(sec));
	return ft;
}

/* INTERNALDATE to an instant; 0 (unknown) when the server sent nonsense. */
static time_t imap_date_to_time(const struct mailimap_date_time *d)
{
	time_t t = 0;
	if (intake_wall_to_epoch(d->dt_year, d->dt_month, d->dt_day, d->dt_hour, d->dt_min,
				 d->dt_sec, d->dt_zone, &t) < 0)
		return 0;
	return t;
}

static char *flag_name(const struct mailimap_flag_fetch *ff)
{
	static const char *const sys[] = {
		[MAILIMAP_FLAG_ANSWERED] = "\\Answered", [MAILIMAP_FLAG_FLAGGED] = "\\Flagged",
		[MAILIMAP_FLAG_DELETED] = "\\Deleted", [MAILIMAP_FLAG_SEEN] = "\\Seen",
		[MAILIMAP_FLAG_DRAFT] = "\\Draft",
	};
	if (ff->fl_type == MAILIMAP_FLAG_FETCH_RECENT)
		return xstrdup("\\Recent");
	const struct mailimap_flag *f = ff->fl_flag;
	if (ff->fl_type != MAILIMAP_FLAG_FETCH_OTHER || !f)
		return NULL;
	if (f->fl_type <= MAILIMAP_FLAG_DRAFT && f->fl_type >= 0 && sys[f->fl_type])
		return xstrdup(sys[f->fl_type]);
	if (f->fl_type == MAILIMAP_FLAG_KEYWORD && f->fl_data.fl_keyword)
		return hdr_clean_utf8(f->fl_data.fl_keyword, strlen(f->fl_data.fl_keyword), 256, NULL);
	if (f->fl_type == MAILIMAP_FLAG_EXTENSION && f->fl_data.fl_extension)
		return xasprintf("\\%.255s", f->fl_data.fl_extension);
	return NULL;
}

static void add_flags(struct message *m, clist *l)
{
	for (clistiter *it = l ? clist_begin(l) : NULL; it; it = clist_next(it)) {
		char *name = flag_name(clist_content(it));
		if (!name || m->n_flags >= 64) {
			free(name);
			continue;
		}
		m->flags = xrealloc(m->flags, (m->n_flags + 1) * sizeof *m->flags);
		m->flags[m->n_flags++] = name;
	}
}

/* One FETCH response item into a message; false when it is not one of
 * ours (no UID, an unsolicited flag update, a UID below the range). */
static bool to_message(const struct mailimap_msg_att *ma, uint32_t from, struct message *m)
{
	const char *hdr = NULL;
	size_t hlen = 0;
	bool have_body = false;
	memset(m, 0, sizeof *m);
	for (clistiter *it = clist_begin(ma->att_list); it; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC) {
			add_flags(m, item->att_data.att_dyn ? item->att_data.att_dyn->att_list : NULL);
			continue;
		}
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		struct mailimap_msg_att_static *st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			m->uid = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_INTERNALDATE:
			if (st->att_data.att_internal_date)
				m->internaldate = imap_date_to_time(st->att_data.att_internal_date);
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			m->size = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION:
			have_body = true;
			hdr = st->att_data.att_body_section->sec_body_part;
			hlen = hdr ? st->att_data.att_body_section->sec_length : 0;
			break;
		default:
			break;
		}
	}
	if (m->uid < from || m->uid == 0 || !have_body) {
		message_clear(m);
		return false;
	}
	headers_parse(hdr ? hdr : "", hlen, m);
	return true;
}

static int cmp_uid(const void *a, const void *b)
{
	uint32_t x = ((const struct message *)a)->uid, y = ((const struct message *)b)->uid;
	return x < y ? -1 : x > y;
}

static void show_progress(struct sync_ctx *c, bool last)
{
	if (!c->progress)
		return;
	double t = since_s(&c->t0), rate = t > 0 ? (double)c->stats->fetched / t : 0;
	size_t left = c->total > c->stats->fetched ? c->total - c->stats->fetched : 0;
	fprintf(stderr, "\r%s/%s: %zu/%zu messages, %.0f/s, %.0f s left   %s",
		imap_session_mailbox(c->s)->name, c->folder, c->stats->fetched, c->total, rate,
		rate > 0 ? (double)left / rate : 0.0, last ? "\n" : "");
}

/* Stores msgs and the cursor in one transaction; a serialization failure
 * is retried once at once. */
static int store_batch(struct sync_ctx *c, struct message *msgs, size_t n, uint32_t new_cursor,
		       char **err)
{
	size_t inserted = 0;
	char *e = NULL;
	int r = store_sightings(c->st, c->folder_id, c->uidvalidity, msgs, n, new_cursor, &inserted, &e);
	if (r == STORE_RETRY) {
		free(e);
		e = NULL;
		r = store_sightings(c->st, c->folder_id, c->uidvalidity, msgs, n, new_cursor, &inserted, &e);
	}
	if (r != STORE_OK) {
		*c->store_status = r;
		*err = xasprintf("mailbox %s, folder %s: storing messages failed: %s",
				    imap_session_mailbox(c->s)->name, c->folder, e ? e : "unknown error");
		free(e);
		return IMAP_STORE;
	}
	c->cursor = new_cursor;
	c->stored = true;
	deriver_batch(c->dv, c->st, msgs, n);
	c->stats->inserted += inserted;
	return IMAP_OK;
}

static void free_msgs(struct message *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		message_clear(&msgs[i]);
	free(msgs);
}

struct storer {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started, pending, busy, quit;
	struct message *msgs;     /* the batch waiting to be stored */
	size_t n;
	uint32_t cursor;
	int cls;                  /* first failure; later batches are dropped */
	char *err;
	struct sync_ctx *c;
};

static void *storer_main(void *arg)
{
	struct storer *sp = arg;
	pthread_mutex_lock(&sp->mu);
	for (;;) {
		while (!sp->pending && !sp->quit)
			pthread_cond_wait(&sp->cv, &sp->mu);
		if (!sp->pending)
			break;
		struct message *msgs = sp->msgs;
		size_t n = sp->n;
		uint32_t cursor = sp->cursor;
		sp->pending = false;
		sp->busy = true;
		pthread_mutex_unlock(&sp->mu);
		char *e = NULL;
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int cls = store_batch(sp->c, msgs, n, cursor, &e);
		log_debug("%s/%s: stored %zu in %.0f ms", imap_session_mailbox(sp->c->s)->name,
			  sp->c->folder, n, since_s(&t0) * 1000);
		free_msgs(msgs, n);
		pthread_mutex_lock(&sp->mu);
		sp->busy = false;
		if (cls != IMAP_OK && sp->cls == IMAP_OK) {
			sp->cls = cls;
			sp->err = e;
		} else {
			free(e);
		}
		pthread_cond_broadcast(&sp->cv);
	}
	pthread_mutex_unlock(&sp->mu);
	return NULL;
}

static void storer_start(struct sync_ctx *c, struct storer *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->c = c;
	pthread_mutex_init(&sp->mu, NULL);
	pthread_cond_init(&sp->cv, NULL);
	/* Without a thread, batches are stored in line (same result, slower). */
	sp->started = pthread_create(&sp->tid, NULL, storer_main, sp) == 0;
	c->sp = sp;
}

/* Hands a batch (ownership included) to the storer once the previous one is
 * stored; returns the storer's failure when there was one. */
static int storer_submit(struct sync_ctx *c, struct message *msgs, size_t n, uint32_t cursor)
{
	struct storer *sp = c->sp;
	if (!sp->started) {
		int cls = store_batch(c, msgs, n, cursor, c->err);
		free_msgs(msgs, n);
		return cls;
	}
	pthread_mutex_lock(&sp->mu);
	while (sp->pending || sp->busy)
		pthread_cond_wait(&sp->cv, &sp->mu);
	int cls = sp->cls;
	if (cls == IMAP_OK) {
		sp->msgs = msgs;
		sp->n = n;
		sp->cursor = cursor;
		sp->pending = true;
		pthread_cond_broadcast(&sp->cv);
		msgs = NULL;
	} else if (sp->err) {
		*c->err = sp->err;
		sp->err = NULL;
	}
	pthread_mutex_unlock(&sp->mu);
	if (msgs)
		free_msgs(msgs, n);
	return cls;
}

/* Waits until everything handed over is stored; returns cls, or the
 * storer's failure when the fetching side had none. */
static int storer_finish(struct sync_ctx *c, int cls)
{
	struct storer *sp = c->sp;
	if (sp->started) {
		pthread_mutex_lock(&sp->mu);
		while (sp->pending || sp->busy)
			pthread_cond_wait(&sp->cv, &sp->mu);
		sp->quit = true;
		pthread_cond_broadcast(&sp->cv);
		pthread_mutex_unlock(&sp->mu);
		pthread_join(sp->tid, NULL);
	}
	if (sp->cls != IMAP_OK && (cls == IMAP_OK || cls == IMAP_STOPPED)) {
		cls = sp->cls;
		if (sp->err) {
			*c->err = sp->err;
			sp->err = NULL;
		}
	}
	free(sp->err);
	pthread_mutex_destroy(&sp->mu);
	pthread_cond_destroy(&sp->cv);
	c->sp = NULL;
	return cls;
}

/* UID FETCHes `set`, keeps UIDs >= from, stores them with the cursor moved to
 * max(highest UID received, floor). */
static int fetch_batch(struct sync_ctx *c, struct mailimap_set *set, uint32_t from, uint32_t floor)
{
	clist *res = NULL;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = mailimap_uid_fetch(imap_session_imap(c->s), set, c->ft, &res);
	double t_fetch = since_s(&t0);
	int cls = imap_classify(c->s, r, "UID FETCH", c->err);
	if (cls != IMAP_OK)
		return cls;
	size_t n = 0, cap = res ? (size_t)clist_count(res) : 0;
	struct message *msgs = xcalloc(cap ? cap : 1, sizeof *msgs);
	uint32_t top = floor;
	for (clistiter *it = res ? clist_begin(res) : NULL; it; it = clist_next(it))
		if (to_message(clist_content(it), from, &msgs[n])) {
			if (msgs[n].uid > top)
				top = msgs[n].uid;
			n++;
		}
	if (res)
		mailimap_fetch_list_free(res);
	qsort(msgs, n, sizeof *msgs, cmp_uid);
	log_debug("%s/%s: fetched %zu in %.0f ms, parsed in %.0f ms", imap_session_mailbox(c->s)->name,
		  c->folder, n, t_fetch * 1000, (since_s(&t0) - t_fetch) * 1000);
	c->stats->fetched += n;
	if (top < c->queued)
		top = c->queued;
	if (n || top > c->queued) {
		cls = storer_submit(c, msgs, n, top);
		c->queued = top;
	} else {
		free_msgs(msgs, n);
	}
	show_progress(c, false);
	if (cls == IMAP_OK && intake_stop)
		cls = IMAP_STOPPED;
	return cls;
}

/* Incremental: the new UIDs are dense, so fetch from:to windows. */
static int sync_range(struct sync_ctx *c, uint32_t uidnext)
{
	uint32_t from = c->queued + 1;
	if (uidnext == 0) {   /* server without UIDNEXT: one open range */
		struct mailimap_set *set = mailimap_set_new_interval(from, 0);
		int cls = fetch_batch(c, set, from, c->queued);
		mailimap_set_free(set);
		return cls;
	}
	c->total = uidnext > from ? uidnext - from : 0;
	while (from < uidnext) {
		uint32_t to = uidnext - 1;
		if (to - from >= IMAP_FETCH_BATCH)
			to = from + IMAP_FETCH_BATCH - 1;
		struct mailimap_set *set = mailimap_set_new_interval(from, to);
		int cls = fetch_batch(c, set, from, to);
		mailimap_set_free(set);
		if (cls != IMAP_OK)
			return cls;
		from = to + 1;
	}
	return IMAP_OK;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* First sync: UID SEARCH (SINCE date, or ALL) gives the exact UIDs, which
 * are fetched IMAP_FETCH_BATCH at a time (sparse folders cost no empty
 * round trips). */
static int search_uids(struct sync_ctx *c, time_t since, uint32_t **uids, size_t *n)
{
	struct mailimap_search_key *key;
	if (since > 0) {
		struct tm tm;
		gmtime_r(&since, &tm);
		key = mailimap_search_key_new_since(
			mailimap_date_new(tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900));
	} else {
		key = mailimap_search_key_new_all();
	}
	clist *res = NULL;
	int r = mailimap_uid_search(imap_session_imap(c->s), NULL, key, &res);
	mailimap_search_key_free(key);
	int cls = imap_classify(c->s, r, "UID SEARCH", c->err);
	if (cls != IMAP_OK)
		return cls;
	*n = 0;
	*uids = xmalloc(((res ? (size_t)clist_count(res) : 0) + 1) * sizeof **uids);
	for (clistiter *it = res ? clist_begin(res) : NULL; it; it = clist_next(it))
		(*uids)[(*n)++] = *(uint32_t *)clist_content(it);
	if (res)
		mailimap_search_result_free(res);
	qsort(*uids, *n, sizeof **uids, cmp_u32);
	return IMAP_OK;
}

static int sync_search(struct sync_ctx *c, time_t since)
{
	uint32_t *uids = NULL;
	size_t n = 0;
	int cls = search_uids(c, since, &uids, &n);
	c->total = n;
	for (size_t i = 0; cls == IMAP_OK && i < n; i += IMAP_FETCH_BATCH) {
		size_t end = i + IMAP_FETCH_BATCH < n ? i + IMAP_FETCH_BATCH : n;
		struct mailimap_set *set = mailimap_set_new_empty();
		for (size_t j = i; j < end;) {
			size_t k = j;
			while (k + 1 < end && uids[k + 1] == uids[k] + 1)
				k++;
			mailimap_set_add_interval(set, uids[j], uids[k]);
			j = k + 1;
		}
		cls = fetch_batch(c, set, uids[i], uids[end - 1]);
		mailimap_set_free(set);
	}
	free(uids);
	return cls;
}

int imap_sync_folder(struct imap_session *s, struct store *st, struct deriver *dv,
		     const char *folder, enum folder_role role, struct sync_stats *stats,
		     int *store_status, char **err)
{
	const struct cfg_mailbox *mb = imap_session_mailbox(s);
	struct sync_ctx c = { .s = s, .st = st, .dv = dv, .folder = folder, .stats = stats,
			      .store_status = store_status, .err = err };
	memset(stats, 0, sizeof *stats);
	*store_status = STORE_OK;
	clock_gettime(CLOCK_MONOTONIC, &c.t0);

	struct folder_state fs;
	char *e = NULL;
	int r = store_folder_state(st, mb->name, folder, role, &fs, &e);
	if (r != STORE_OK) {
		*store_status = r;
		*err = xasprintf("mailbox %s, folder %s: %s", mb->name, folder, e ? e : "store failed");
		free(e);
		return IMAP_STORE;
	}
	uint32_t uidnext, exists;
	int cls = imap_session_examine(s, folder, &c.uidvalidity, &uidnext, &exists, err);
	if (cls != IMAP_OK)
		return cls;
	c.folder_id = fs.folder_id;
	bool first = fs.uidvalidity != c.uidvalidity;
	if (fs.uidvalidity && first)
		log_warn("%s/%s: UIDVALIDITY changed from %u to %u: re-reading the folder (stored "
			 "messages are matched by Message-ID)", mb->name, folder, fs.uidvalidity,
			 c.uidvalidity);
	c.cursor = c.queued = first ? 0 : fs.last_uid;
	struct storer sp;
	if (!first && uidnext && uidnext <= c.cursor + 1)
		cls = IMAP_OK;   /* nothing new: EXAMINE was the only round trip */
	else if (first) {
		c.progress = isatty(STDERR_FILENO) && exists >= PROGRESS_MIN;
		c.ft = fetch_type();
		storer_start(&c, &sp);
		cls = storer_finish(&c, sync_search(&c, mb->since));
		/* UIDs below UIDNEXT that SEARCH did not name are older than
		 * `since`; an empty folder still gets its UIDVALIDITY stored. */
		if (cls == IMAP_OK && (uidnext > c.cursor + 1 || !c.stored))
			cls = store_batch(&c, NULL, 0, uidnext > c.cursor + 1 ? uidnext - 1 : c.cursor, err);
	} else {
		c.ft = fetch_type();
		c.progress = isatty(STDERR_FILENO) && uidnext - c.cursor >= PROGRESS_MIN;
		storer_start(&c, &sp);
		cls = storer_finish(&c, sync_range(&c, uidnext));
	}
	if (c.ft)
		mailimap_fetch_type_free(c.ft);
	show_progress(&c, true);
	stats->seconds = since_s(&c.t0);
	return cls;
}
