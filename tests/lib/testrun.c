/* Runs a program for a test (usually $RC_BIN) with posix_spawn, feeding
 * stdin and capturing stdout/stderr through pipes, with a timeout. */
#include "tests/lib/testlib.h"
#include "tracker/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CAPTURE_LIMIT (16u << 20)

extern char **environ;

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* environ with the overrides of ENV applied ("N=v" sets, "N" removes). */
static char **build_env(const char *const *env)
{
	size_t n = 0, m = 0;
	while (environ[n])
		n++;
	while (env && env[m])
		m++;
	char **out = xcalloc(n + m + 1, sizeof *out);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t klen = strcspn(environ[i], "=");
		int overridden = 0;
		for (size_t j = 0; j < m; j++)
			if (strlen(env[j]) >= klen && !strncmp(env[j], environ[i], klen) &&
			    (env[j][klen] == '=' || env[j][klen] == '\0'))
				overridden = 1;
		if (!overridden)
			out[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		if (strchr(env[j], '='))
			out[k++] = (char *)env[j];
	return out;
}

struct pipes {
	int in[2], out[2], err[2];
};

static void pipes_close(struct pipes *p)
{
	int *all[] = { &p->in[0], &p->in[1], &p->out[0], &p->out[1], &p->err[0], &p->err[1] };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (*all[i] >= 0) {
			close(*all[i]);
			*all[i] = -1;
		}
}

static int spawn(const char *const argv[], const struct testrun_opts *o, struct pipes *p,
		 pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	if (o->stdin_data)
		posix_spawn_file_actions_adddup2(&fa, p->in[0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p->out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p->err[1], 2);
	if (o->cwd)
		posix_spawn_file_actions_addchdir_np(&fa, o->cwd);
	/* Own process group (so a timeout kills its children too) and default
	 * signal handling (the test binary ignores SIGPIPE). */
	sigset_t def;
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
	char **envp = build_env(o->env);
	int rc = posix_spawnp(pid, argv[0], &fa, &at, (char *const *)argv, envp);
	free(envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc) {
		fprintf(stderr, "testrun: cannot run %s: %s\n", argv[0], strerror(rc));
		return -1;
	}
	return 0;
}

/* Moves data until both output pipes hit EOF or the deadline passes. */
static int pump(struct pipes *p, const char *in, size_t in_len, long deadline,
		struct strbuf *out, struct strbuf *err)
{
	size_t in_off = 0;
	char buf[65536];
	for (;;) {
		struct pollfd fds[3] = { { p->out[0], POLLIN, 0 }, { p->err[0], POLLIN, 0 },
					 { p->in[1], POLLOUT, 0 } };
		if (p->out[0] < 0 && p->err[0] < 0)
			return 0;
		long left = deadline - now_ms();
		if (left <= 0)
			return -1;
		if (poll(fds, 3, (int)left) < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < 2; i++) {
			if (!fds[i].revents)
				continue;
			ssize_t n = read(fds[i].fd, buf, sizeof buf);
			if (n > 0) {
				strbuf_append(i ? err : out, buf, (size_t)n); /* beyond the cap: dropped */
			} else if (n == 0 || errno != EINTR) {
				close(fds[i].fd);
				*(i ? &p->err[0] : &p->out[0]) = -1;
			}
		}
		if (fds[2].revents) {
			ssize_t n = write(p->in[1], in + in_off, in_len - in_off);
			if (n > 0)
				in_off += (size_t)n;
			if ((n < 0 && errno != EINTR) || in_off == in_len) {
				close(p->in[1]);
				p->in[1] = -1;
			}
		}
	}
}

int testrun(const char *const argv[], const struct testrun_opts *opts, struct testrun_result *res)
{
	static const struct testrun_opts none;
	const struct testrun_opts *o = opts ? opts : &none;
	memset(res, 0, sizeof *res);
	struct pipes p = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
	if ((o->stdin_data && pipe2(p.in, O_CLOEXEC)) || pipe2(p.out, O_CLOEXEC) ||
	    pipe2(p.err, O_CLOEXEC)) {
		fprintf(stderr, "testrun: pipe: %s\n", strerror(errno));
		pipes_close(&p);
		return -1;
	}
	pid_t pid;
	if (spawn(argv, o, &p, &pid)) {
		pipes_close(&p);
		return -1;
	}
	/* Close the child's ends so EOF arrives when it exits. */
	int *child_ends[] = { &p.in[0], &p.out[1], &p.err[1] };
	for (int i = 0; i < 3; i++)
		if (*child_ends[i] >= 0) {
			close(*child_ends[i]);
			*child_ends[i] = -1;
		}
	size_t in_len = o->stdin_data ? (o->stdin_len ? o->stdin_len : strlen(o->stdin_data)) : 0;
	if (o->stdin_data && in_len == 0) {
		close(p.in[1]);
		p.in[1] = -1;
	}
	struct strbuf out, err;
	strbuf_init(&out, CAPTURE_LIMIT);
	strbuf_init(&err, CAPTURE_LIMIT);
	long deadline = now_ms() + (o->timeout_ms > 0 ? o->timeout_ms : 30000);
	if (pump(&p, o->stdin_data, in_len, deadline, &out, &err)) {
		res->timed_out = 1;
		kill(-pid, SIGKILL);
		fprintf(stderr, "testrun: %s timed out, killed\n", argv[0]);
	}
	pipes_close(&p);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	res->out_len = out.len;
	res->err_len = err.len;
	res->out = strbuf_steal(&out);
	res->err = strbuf_steal(&err);
	return 0;
}

int testrun_rc(struct testrun_result *res, const struct testrun_opts *opts, ...)
{
	const char *argv[64];
	size_t n = 0;
	argv[n++] = testenv_get("RC_BIN");
	va_list ap;
	va_start(ap, opts);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL) {
		if (n >= sizeof argv / sizeof argv[0] - 1) {
			fprintf(stderr, "testrun_rc: too many arguments\n");
			va_end(ap);
			return -1;
		}
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	return testrun(argv, opts, res);
}

void testrun_free(struct testrun_result *res)
{
	if (!res)
		return;
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof *res);
}
