/* Benchmark of the derived layer's load and pure derive (not a test): loads
 * every sighting as recompute does, derives everything, and prints the
 * seconds, the counts, the peak RSS and a checksum over every value the
 * writer stores (tracker/derive_store.c's message_row, conversation_row,
 * request_row), so a faster derive can be shown to give the same rows.
 * Read-only: one READ ONLY transaction, rolled back.
 * Usage: build/derive_bench -c rc.conf [-n RUNS] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tracker/cli.h"
#include "tracker/derive.h"
#include "tracker/derive_store_p.h"
#include "tracker/log.h"
#include "tracker/store_p.h"
#include "tracker/thread.h"
#include "tracker/util.h"

/* FNV-1a over the values, each followed by a separator; NULL differs from "". */
struct sum {
	uint64_t h;
};

static void sum_bytes(struct sum *k, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		k->h ^= b[i];
		k->h *= UINT64_C(1099511628211);
	}
}

static void sum_s(struct sum *k, const char *v)
{
	static const unsigned char null_mark = 0xfe, sep = 0xff;
	if (v)
		sum_bytes(k, v, strlen(v));
	else
		sum_bytes(k, &null_mark, 1);
	sum_bytes(k, &sep, 1);
}

static void sum_i(struct sum *k, long long v, bool present)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	sum_s(k, present ? buf : NULL);
}

static const char *party_customer(const struct cfg_customer *c, const char *addr)
{
	return c ? c->name : addr ? REQUESTS_UNASSIGNED_KEY : NULL;
}

static void sum_message(struct sum *k, const struct derived *d, size_t i)
{
	const struct logical_msg *lm = &d->set.v[i];
	const struct classification *c = &d->cls[i];
	sum_s(k, lm->message_id);
	sum_s(k, lm->mailbox);
	sum_i(k, (long long)lm->n_sightings, true);
	sum_i(k, lm->seen_inbound, true);
	sum_i(k, lm->seen_sent, true);
	sum_s(k, lm->hdr->from_addr);
	sum_s(k, lm->hdr->subject);
	sum_s(k, msg_class_name(c->cls));
	sum_s(k, c->noise ? noise_reason_code(c->noise) : NULL);
	char reason[CLASSIFY_REASON_MAX];
	sum_s(k, classify_reason(c, reason, sizeof reason) ? reason : NULL);
	sum_i(k, c->from_team, true);
	sum_s(k, c->customer ? c->customer->name : NULL);
	sum_s(k, c->customer ? NULL : c->unassigned_addr);
	sum_i(k, (long long)c->time, c->time != 0);
	sum_s(k, d->thr.convs[d->thr.conv_of[i]].id);
	sum_s(k, thread_link_name(d->thr.link[i]));
	sum_s(k, lm->hdr->in_reply_to);
	sum_i(k, (long long)lm->hdr->references.n, true);
	for (size_t r = 0; r < lm->hdr->references.n; r++)
		sum_s(k, lm->hdr->references.v[r]);
	sum_s(k, d->thr.subject_key[i]);
}

static void sum_conversation(struct sum *k, const struct derived *d, size_t c)
{
	const struct conversation *cv = &d->thr.convs[c];
	size_t first = cv->members[0], last = cv->members[cv->n_members - 1];
	sum_s(k, cv->id);
	sum_s(k, party_customer(cv->customer, cv->unassigned_addr));
	sum_s(k, cv->customer ? NULL : cv->unassigned_addr);
	sum_i(k, cv->has_customer_msg, true);
	sum_s(k, d->set.v[first].hdr->subject);
	sum_i(k, (long long)d->cls[first].time, true);
	sum_i(k, (long long)d->cls[last].time, true);
	sum_i(k, (long long)cv->n_members, true);
}

static void sum_request(struct sum *k, const struct derived *d, size_t i)
{
	const struct request *r = &d->req.v[i];
	sum_s(k, r->opened_message_id);
	sum_s(k, r->conversation_id);
	sum_s(k, r->customer_key);
	sum_s(k, r->customer_name);
	sum_s(k, r->mailbox);
	sum_s(k, request_kind_name(r->kind));
	sum_s(k, r->subject);
	sum_i(k, (long long)r->opened_at, true);
	sum_s(k, r->replied ? r->replied_message_id : NULL);
	sum_i(k, (long long)r->replied_at, r->replied);
	sum_i(k, (long long)r->business_seconds, r->replied);
	sum_i(k, r->target_seconds, r->target_seconds >= 0);
	sum_i(k, r->target.kind, true);
	sum_i(k, r->target.hour * 100 + r->target.minute, r->target.kind == TARGET_SAME_DAY);
	sum_i(k, (long long)r->due_at, r->has_due);
	sum_s(k, r->policy);
	sum_s(k, r->calendar);
	sum_s(k, r->calendar_digest);
	sum_s(k, r->error);
}

static uint64_t checksum(const struct derived *d)
{
	struct sum k = { UINT64_C(14695981039346656037) };
	for (size_t i = 0; i < d->set.n; i++)
		sum_message(&k, d, i);
	for (size_t c = 0; c < d->thr.n_convs; c++)
		sum_conversation(&k, d, c);
	for (size_t i = 0; i < d->req.n; i++)
		sum_request(&k, d, i);
	return k.h;
}

/* CPU seconds of this process (user + system): with other load on the
 * machine, a steadier figure than the wall clock. */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double peak_mib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

/* One load + derive in a read-only transaction; 0 or -1 (printed). */
static int run(struct store *s, const struct config *cfg, const struct calendar_set *cals)
{
	char *err = NULL;
	struct loaded L;
	struct derived d;
	int st = store_begin(s, &err);
	if (st == STORE_OK)
		st = derive_exec(s, "read-only transaction", "SET TRANSACTION READ ONLY", 0, NULL, &err);
	double t0 = derive_mono(), c0 = cpu_s();
	if (st == STORE_OK)
		st = derive_load(s, NULL, NULL, &L, &err);
	if (st != STORE_OK) {
		fprintf(stderr, "derive_bench: %s\n", err);
		free(err);
		store_rollback(s);
		return -1;
	}
	double t1 = derive_mono(), c1 = cpu_s(), load_peak = peak_mib();
	if (derive_all(cfg, cals, L.s, L.n, AS_OF_EVERYTHING, &d, &err) < 0) {
		fprintf(stderr, "derive_bench: %s\n", err);
		free(err);
		derive_loaded_free(&L);
		store_rollback(s);
		return -1;
	}
	double t2 = derive_mono(), c2 = cpu_s();
	printf("load %.2f s (cpu %.2f), derive %.2f s (cpu %.2f); %zu sightings, %zu messages, %zu conversations, "
	       "%zu requests; peak RSS %.0f MiB after load, %.0f MiB after derive; "
	       "checksum %016" PRIx64 "\n",
	       t1 - t0, c1 - c0, t2 - t1, c2 - c1, L.n, d.set.n, d.thr.n_convs, d.req.n, load_peak, peak_mib(), checksum(&d));
	fflush(stdout);
	derived_free(&d);
	derive_loaded_free(&L);
	store_rollback(s);
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cli = { NULL, getenv("DERIVE_BENCH_DEBUG") ? 1 : -1 };
	int runs = 1, opt, code = 0;
	while ((opt = getopt(argc, argv, "c:n:")) != -1) {
		if (opt == 'c')
			cli.config_path = optarg;
		else if (opt == 'n')
			runs = atoi(optarg);
		else {
			fprintf(stderr, "usage: derive_bench -c rc.conf [-n RUNS]\n");
			return 64;
		}
	}
	log_init(cli.verbosity);
	struct config *cfg = cli_load_config(&cli, &code);
	if (!cfg)
		return code;
	char *err = NULL;
	struct calendar_set cals;
	if (calendar_set_build(cfg, &cals, &err) < 0) {
		fprintf(stderr, "derive_bench: %s\n", err);
		free(err);
		config_free(&cfg);
		return 78;
	}
	struct store *s = cli_open_store(cfg, &code);
	for (int i = 0; s && i < runs && code == 0; i++)
		if (run(s, cfg, &cals) < 0)
			code = 1;
	store_close(&s);
	calendar_set_free(&cals);
	config_free(&cfg);
	return code;
}
