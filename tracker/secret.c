/* Fetching secrets named by the configuration: a private file, an
 * environment variable, or a command's output. No message here ever
 * contains the secret itself. */
#include "tracker/config_p.h"
#include "tracker/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Longest secret read from a file or a command. */
#define SECRET_MAX (64 * 1024)
/* How long a password command may take. */
#define SECRET_CMD_TIMEOUT_MS 30000

static char *where(const struct config *cfg, const struct secret_ref *ref)
{
	return xasprintf("%s:%d: %s", cfg ? cfg->path : "config", ref->line, ref->key ? ref->key : "secret");
}

static int read_secret_file(const char *ctx, const char *path, struct strbuf *b, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*err = xasprintf("%s: cannot open %s: %s", ctx, path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*err = xasprintf("%s: %s is not a regular file", ctx, path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		*err = xasprintf("%s: %s is readable by group or others (mode %04o); run chmod 600 %s", ctx,
				 path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = xasprintf("%s: cannot read %s: %s", ctx, path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (strbuf_append(b, buf, (size_t)n) < 0) {
			*err = xasprintf("%s: %s is longer than %d bytes", ctx, path, SECRET_MAX);
			break;
		}
	}
	explicit_bzero(buf, sizeof buf);
	close(fd);
	return *err ? -1 : 0;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Reads the child's stdout until EOF, the size cap or the timeout. */
static int drain_pipe(const char *ctx, int fd, struct strbuf *b, char **err)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char buf[4096];
	for (;;) {
		long left = SECRET_CMD_TIMEOUT_MS - elapsed_ms(&t0);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*err = xasprintf("%s: the command did not finish within %d seconds", ctx,
					 SECRET_CMD_TIMEOUT_MS / 1000);
			return -1;
		}
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (strbuf_append(b, buf, (size_t)n) < 0) {
			*err = xasprintf("%s: the command printed more than %d bytes", ctx, SECRET_MAX);
			explicit_bzero(buf, sizeof buf);
			return -1;
		}
	}
	explicit_bzero(buf, sizeof buf);
	return 0;
}

static int run_secret_command(const char *ctx, const char *cmd, struct strbuf *b, char **err)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		*err = xasprintf("%s: cannot create a pipe: %s", ctx, strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	pid_t pid;
	int rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc != 0) {
		*err = xasprintf("%s: cannot run /bin/sh: %s", ctx, strerror(rc));
		close(pfd[0]);
		return -1;
	}
	int r = drain_pipe(ctx, pfd[0], b, err);
	close(pfd[0]);
	if (r < 0)
		kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		if (WIFEXITED(status))
			*err = xasprintf("%s: the command exited with status %d", ctx, WEXITSTATUS(status));
		else
			*err = xasprintf("%s: the command was killed by signal %d", ctx, WTERMSIG(status));
		r = -1;
	}
	return r;
}

int secret_resolve(const struct config *cfg, const struct secret_ref *ref, char **out, char **err)
{
	char *ctx = where(cfg, ref);
	struct strbuf b;
	strbuf_init(&b, SECRET_MAX);
	int r = -1;
	*out = NULL;
	*err = NULL;
	switch (ref->kind) {
	case SECRET_FILE:
		r = read_secret_file(ctx, ref->value, &b, err);
		break;
	case SECRET_ENV: {
		const char *v = getenv(ref->value);
		if (!v || !*v) {
			*err = xasprintf("%s: environment variable %s is %s; set it before starting replyclock", ctx,
					 ref->value, v ? "empty" : "not set");
		} else {
			strbuf_append(&b, v, strlen(v));
			r = 0;
		}
		break;
	}
	case SECRET_COMMAND:
		r = run_secret_command(ctx, ref->value, &b, err);
		break;
	default:
		*err = xasprintf("%s: no secret configured", ctx);
		break;
	}
	if (r == 0 && ref->kind != SECRET_ENV && b.len && b.s[b.len - 1] == '\n')
		b.s[--b.len] = '\0'; /* exactly one trailing newline, nothing else */
	if (r == 0 && b.len == 0) {
		*err = xasprintf("%s: the secret is empty (%s)", ctx,
				 ref->kind == SECRET_FILE ? "the file is empty" : "the command printed nothing");
		r = -1;
	}
	if (r == 0) {
		*out = strbuf_steal(&b);
	} else if (b.s) {
		explicit_bzero(b.s, b.cap);
		strbuf_free(&b);
	}
	free(ctx);
	return r;
}
