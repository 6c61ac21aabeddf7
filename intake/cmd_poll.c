/* `replyclock poll [--once] [--mailbox NAME]`: sync the configured mailboxes
 * once, or run as a daemon. Daemon design: one thread per mailbox, each with
 * its own IMAP session and PostgreSQL connection, so a slow or dead server
 * never holds up another mailbox. Each thread waits in IDLE (re-issued every
 * 25 minutes) or sleeps poll_interval; every wait also watches a self-pipe
 * that the SIGTERM/SIGINT handler writes, so shutdown takes well under a
 * second. Failures back off exponentially with jitter on CLOCK_MONOTONIC. */
#include "intake/intake.h"
#include "intake/intake_p.h"
#include "tracker/log.h"
#include "tracker/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IDLE_REISSUE_MS (25 * 60 * 1000)   /* RFC 2177: before the server's 30 min */
#define SHUTDOWN_GRACE_MS 800

/* --------------------------------------------------------------- signals */

static void on_signal(int sig)
{
	(void)sig;
	int saved = errno;
	intake_stop = 1;
	if (intake_stop_pipe[1] >= 0) {
		ssize_t w = write(intake_stop_pipe[1], "x", 1);
		(void)w;
	}
	errno = saved;
}

/* Installs the stop handlers (no SA_RESTART: a blocked read returns EINTR). */
static int install_signals(void)
{
	signal(SIGPIPE, SIG_IGN);   /* libetpan writes without MSG_NOSIGNAL */
	if (intake_stop_pipe[0] < 0 && pipe2(intake_stop_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	return 0;
}

/* Sleeps ms milliseconds or until a stop signal; false when stopping. */
static bool sleep_ms(long ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (intake_stop)
			return false;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long done = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (done >= ms)
			return true;
		struct pollfd p = { intake_stop_pipe[0], POLLIN, 0 };
		poll(&p, 1, (int)(ms - done));
	}
}

/* Exponential backoff with ±25 % jitter: 1 s doubling to 5 min for
 * transient failures, 1 min doubling to 15 min for refused logins and
 * certificates (a person has to act; no tight loop against the server). */
static long backoff_ms(int cls, unsigned attempt, unsigned *seed)
{
	bool slow = cls == IMAP_AUTH || cls == IMAP_CERT || cls == IMAP_CONFIG || cls == IMAP_FOLDER;
	long base = slow ? 60000 : 1000, cap = slow ? 900000 : 300000;
	long d = base;
	for (unsigned i = 0; i < attempt && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	return d * 3 / 4 + (long)(rand_r(seed) % (unsigned)(d / 2 + 1));
}

/* -------------------------------------------------------------- one sync */

static void log_sync(const char *mb, const char *folder, const struct sync_stats *st, bool quiet)
{
	if (quiet && st->inserted == 0)
		log_debug("%s/%s: no new messages (%.2f s)", mb, folder, st->seconds);
	else
		log_info("%s/%s: %zu new message%s (%zu fetched) in %.2f s", mb, folder, st->inserted,
			 st->inserted == 1 ? "" : "s", st->fetched, st->seconds);
}

/* Syncs every folder of the session. Returns IMAP_OK or the first failure
 * that ends this round, with *err for the caller to log (a folder that
 * cannot be examined is logged here and skipped; the others still sync). */
static int sync_all(struct imap_session *s, struct store *st, const struct strlist *in,
		    const struct strlist *sent, bool quiet, int *worst, bool *folder_noted, char **err)
{
	bool noted = false;
	const char *name = imap_session_mailbox(s)->name;
	for (int pass = 0; pass < 2; pass++) {
		const struct strlist *l = pass ? sent : in;
		for (size_t i = 0; i < l->n; i++) {
			struct sync_stats stats;
			int store_status;
			int cls = imap_sync_folder(s, st, l->v[i], pass ? ROLE_SENT : ROLE_INBOUND, &stats,
						   &store_status, err);
			if (cls == IMAP_OK || cls == IMAP_STOPPED)
				log_sync(name, l->v[i], &stats, quiet);
			if (cls == IMAP_FOLDER) {
				/* The daemon says it once per connection, not every round. */
				if (!quiet || !*folder_noted)
					log_error("%s (check inbound_folders / sent_folders)", *err);
				else
					log_debug("%s", *err);
				xfree(err);
				if (worst && *worst == IMAP_OK)
					*worst = cls;
				noted = true;
				continue;
			}
			if (cls != IMAP_OK)
				return cls;
		}
	}
	if (noted)
		*folder_noted = true;
	return IMAP_OK;
}

/* poll --once for one mailbox; returns an exit code. */
static int poll_once(const struct config *cfg, const struct cfg_mailbox *mb, struct store *st)
{
	struct imap_session *s = imap_session_new(cfg, mb);
	char *err = NULL;
	int cls = imap_session_open(s, &err);
	struct strlist in = { 0 }, sent = { 0 };
	if (cls == IMAP_OK)
		cls = imap_session_folders(s, &in, &sent, &err);
	int worst = IMAP_OK;
	bool noted = false;
	if (cls == IMAP_OK)
		cls = sync_all(s, st, &in, &sent, false, &worst, &noted, &err);
	if (cls == IMAP_OK)
		cls = worst;
	if (err && cls != IMAP_STOPPED)
		log_error("%s", err);
	free(err);
	strlist_free_items(&in);
	strlist_free_items(&sent);
	imap_session_free(&s);
	return imap_exit_code(cls);
}

/* ---------------------------------------------------------- daemon thread */

struct worker {
	const struct config *cfg;
	const struct cfg_mailbox *mb;
	pthread_t tid;
	bool started;
	volatile int done;
};

/* Waits for news: IDLE on the first folder where the server can, else the
 * poll interval. With several folders IDLE only watches one, so the wait is
 * capped at poll_interval and the others are examined after it. */
static int wait_for_news(struct imap_session *s, const struct cfg_mailbox *mb,
			 const struct strlist *in, const struct strlist *sent, char **err)
{
	size_t n = in->n + sent->n;
	long interval = (long)(mb->poll_interval > 0 ? mb->poll_interval : 60) * 1000;
	if (mb->idle && imap_session_has_idle(s) && n > 0) {
		const char *folder = in->n ? in->v[0] : sent->v[0];
		int timeout = n > 1 && interval < IDLE_REISSUE_MS ? (int)interval : IDLE_REISSUE_MS;
		int r = imap_session_idle(s, folder, timeout, err);
		return r >= 0 ? IMAP_OK : r;
	}
	return sleep_ms(interval) ? IMAP_OK : IMAP_STOPPED;
}

/* One mailbox, forever: connect, sync, wait, and back off on failure. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct cfg_mailbox *mb = w->mb;
	struct store *st = NULL;
	struct imap_session *s = imap_session_new(w->cfg, mb);
	struct strlist in = { 0 }, sent = { 0 };
	unsigned attempt = 0, seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)w;
	char *last_err = NULL;
	bool folder_noted = false;
	while (!intake_stop) {
		char *err = NULL;
		int cls = IMAP_OK;
		if (!st && !(st = store_open(w->cfg->db_conninfo, &err)))
			cls = IMAP_TEMP;
		if (cls == IMAP_OK && !imap_session_connected(s)) {
			strlist_free_items(&in);
			strlist_free_items(&sent);
			cls = imap_session_open(s, &err);
			if (cls == IMAP_OK)
				cls = imap_session_folders(s, &in, &sent, &err);
			folder_noted = false;
		}
		if (cls == IMAP_OK) {
			cls = sync_all(s, st, &in, &sent, true, NULL, &folder_noted, &err);
			if (cls == IMAP_OK) {
				attempt = 0;
				xfree(&last_err);
				cls = wait_for_news(s, mb, &in, &sent, &err);
			}
		}
		if (cls == IMAP_OK || cls == IMAP_STOPPED) {
			free(err);
			continue;
		}
		if (cls == IMAP_STORE)
			store_close(&st);   /* reconnect to PostgreSQL; facts so far are committed */
		else
			imap_session_free(&s), s = imap_session_new(w->cfg, mb);
		long d = backoff_ms(cls, attempt++, &seed);
		/* The same failure again is logged at debug level only: one clear
		 * line per problem, not one per retry. */
		if (err && (!last_err || strcmp(err, last_err) != 0))
			log_error("%s; retrying in %ld s", err, (d + 500) / 1000);
		else if (err)
			log_debug("%s; retrying in %ld s", err, (d + 500) / 1000);
		if (err) {
			free(last_err);
			last_err = err;
		}
		sleep_ms(d);
	}
	free(last_err);
	strlist_free_items(&in);
	strlist_free_items(&sent);
	imap_session_free(&s);
	store_close(&st);
	w->done = 1;
	return NULL;
}

/* Starts one thread per mailbox and waits for a stop signal; then gives the
 * threads a moment to finish their transaction and log out. A thread stuck
 * in a blocking read is abandoned: its open transaction rolls back when the
 * process exits, so the stored state stays consistent. */
static int run_daemon(const struct config *cfg, const struct cfg_mailbox **mbs, size_t n)
{
	struct worker *ws = xcalloc(n, sizeof *ws);
	for (size_t i = 0; i < n; i++) {
		ws[i].cfg = cfg;
		ws[i].mb = mbs[i];
		ws[i].started = pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]) == 0;
		if (!ws[i].started)
			log_error("mailbox %s: cannot start a thread", mbs[i]->name);
	}
	log_info("polling %zu mailbox%s; SIGTERM or SIGINT stops", n, n == 1 ? "" : "es");
	while (!intake_stop) {
		struct pollfd p = { intake_stop_pipe[0], POLLIN, 0 };
		poll(&p, 1, -1);
	}
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += SHUTDOWN_GRACE_MS * 1000000L;
	dl.tv_sec += dl.tv_nsec / 1000000000L;
	dl.tv_nsec %= 1000000000L;
	bool all = true;
	for (size_t i = 0; i < n; i++)
		if (ws[i].started && pthread_timedjoin_np(ws[i].tid, NULL, &dl) != 0)
			all = false;
	log_info("stopped%s", all ? "" : " (a mailbox was in a blocking read; its open batch is "
					   "rolled back)");
	if (all)
		free(ws);   /* else threads may still read it until exit */
	return RC_EX_OK;
}

/* ------------------------------------------------------------ the command */

static int usage(void)
{
	fprintf(stderr, "usage: replyclock poll [--once] [--mailbox NAME]\n");
	return RC_EX_USAGE;
}

int cmd_poll(const struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "once", no_argument, NULL, 'o' },
					       { "mailbox", required_argument, NULL, 'm' },
					       { "help", no_argument, NULL, 'h' },
					       { NULL, 0, NULL, 0 } };
	bool once = false;
	const char *only = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'o')
			once = true;
		else if (c == 'm')
			only = optarg;
		else
			return usage();
	}
	if (optind != argc)
		return usage();
	int code = RC_EX_OK;
	struct config *cfg = cli_load_config(cli, &code);
	if (!cfg)
		return code;
	const struct cfg_mailbox **mbs = xcalloc(cfg->n_mailboxes + 1, sizeof *mbs);
	size_t n = 0;
	for (size_t i = 0; i < cfg->n_mailboxes; i++)
		if (!only || strcmp(cfg->mailboxes[i].name, only) == 0)
			mbs[n++] = &cfg->mailboxes[i];
	struct store *st = NULL;
	if (n == 0) {
		log_error("%s: %s", cfg->path, only ? "no [mailbox] section of that name"
						  : "no [mailbox] section to poll");
		code = only ? RC_EX_USAGE : RC_EX_CONFIG;
	} else if (install_signals() < 0) {
		log_error("cannot set up signal handling");
		code = RC_EX_SOFTWARE;
	} else if ((st = cli_open_store(cfg, &code)) != NULL) {
		if (once) {
			for (size_t i = 0; i < n && !intake_stop; i++) {
				int r = poll_once(cfg, mbs[i], st);
				if (r != RC_EX_OK && code == RC_EX_OK)
					code = r;
			}
			store_close(&st);
		} else {
			store_close(&st);   /* each mailbox thread opens its own connection */
			code = run_daemon(cfg, mbs, n);
		}
	}
	free(mbs);
	config_free(&cfg);
	return code;
}

int intake_check_mailbox(const struct config *cfg, const struct cfg_mailbox *mb, char **err)
{
	signal(SIGPIPE, SIG_IGN);
	struct imap_session *s = imap_session_new(cfg, mb);
	int cls = imap_session_open(s, err);
	imap_session_free(&s);
	return imap_exit_code(cls);
}
