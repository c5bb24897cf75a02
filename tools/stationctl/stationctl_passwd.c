/* passwd [-d] USER: set or remove a broker login user.
 *
 * The password never travels on a command line (where ps would show it):
 * it is read from the terminal with echo off, or as one line from standard
 * input for scripts. Buffers holding it are wiped after use. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_util.h"
#include "users.h"

/* Room for PASSWORD_MAX bytes, a newline and one byte more, to tell an
 * over-long password from one that fits. */
#define STATIONCTL_PASSWD_BUF (PASSWORD_MAX + 3)

static struct termios stationctl_passwd_saved;
static volatile sig_atomic_t stationctl_passwd_echo_off;

/* A Ctrl-C at the prompt must not leave the terminal without echo. */
static void stationctl_passwd_on_signal(int sig)
{
	if (stationctl_passwd_echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &stationctl_passwd_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Reads one line from fd into buf (without the newline). Returns its length,
 * -1 on a read error, or -2 when the line does not fit. */
static ssize_t stationctl_passwd_read_line(int fd, char *buf, size_t size)
{
	size_t len = 0;

	for (;;) {
		char ch;
		ssize_t n = read(fd, &ch, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0 || ch == '\n')
			break;
		if (len + 1 >= size)
			return -2;
		buf[len++] = ch;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return (ssize_t)len;
}

static ssize_t stationctl_passwd_prompt(const char *prompt, char *buf, size_t size)
{
	struct termios noecho;
	ssize_t n;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &stationctl_passwd_saved) < 0)
		return -1;
	noecho = stationctl_passwd_saved;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	noecho.c_lflag |= ICANON;
	stationctl_passwd_echo_off = 1;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho) < 0) {
		stationctl_passwd_echo_off = 0;
		return -1;
	}
	n = stationctl_passwd_read_line(STDIN_FILENO, buf, size);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &stationctl_passwd_saved);
	stationctl_passwd_echo_off = 0;
	fputc('\n', stderr);
	return n;
}

/* Gets the new password into pw. Returns an exit code. */
static int stationctl_passwd_get(char *pw, size_t size)
{
	char again[STATIONCTL_PASSWD_BUF];
	ssize_t n, m;
	int ret = STATIONCTL_EXIT_INVALID;

	if (!isatty(STDIN_FILENO)) {
		n = stationctl_passwd_read_line(STDIN_FILENO, pw, size);
	} else {
		signal(SIGINT, stationctl_passwd_on_signal);
		signal(SIGTERM, stationctl_passwd_on_signal);
		signal(SIGQUIT, stationctl_passwd_on_signal);
		n = stationctl_passwd_prompt("New password: ", pw, size);
		if (n > 0 && n <= PASSWORD_MAX) {
			m = stationctl_passwd_prompt("Retype new password: ", again, sizeof(again));
			if (m < 0 || strcmp(pw, again) != 0) {
				stationctl_util_err("the passwords do not match; nothing changed");
				goto cleanup;
			}
		}
	}
	if (n == -1) {
		stationctl_util_err("cannot read the password: %s", strerror(errno));
		ret = STATIONCTL_EXIT_IO;
		goto cleanup;
	}
	if (n == -2 || n > PASSWORD_MAX) {
		stationctl_util_err("the password is longer than %d bytes", PASSWORD_MAX);
		goto cleanup;
	}
	if (n == 0) {
		stationctl_util_err("empty password; nothing changed (passwd -d removes a user)");
		goto cleanup;
	}
	if (memchr(pw, '\0', (size_t)n)) {
		stationctl_util_err("the password contains a NUL byte");
		goto cleanup;
	}
	ret = STATIONCTL_EXIT_OK;
cleanup:
	explicit_bzero(again, sizeof(again));
	return ret;
}

/* Hashes copied from an old /etc/shadow may be MD5- or SHA-crypt: far
 * cheaper to guess than the yescrypt this command writes. Tell the admin
 * who still has one, so that they can set those passwords again. */
static void stationctl_passwd_warn_weak(const char *path)
{
	char names[512], shown[512];
	int n = users_weak(path, names, sizeof(names));

	if (n <= 0)
		return;
	stationctl_util_printable(names, shown, sizeof(shown));
	stationctl_util_err("warning: %d user%s in %s still ha%s a weak password hash ($1$, $5$, "
			    "$6$ or older): %s; set %s password%s again with 'stationctl passwd "
			    "USER' to store yescrypt",
			    n, n == 1 ? "" : "s", path, n == 1 ? "s" : "ve", shown,
			    n == 1 ? "that" : "their", n == 1 ? "" : "s");
}

int stationctl_passwd_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"delete", no_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	char pw[STATIONCTL_PASSWD_BUF], err[512] = "";
	bool del = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "d", opts, NULL)) != -1) {
		if (c != 'd')
			return stationctl_commands_usage_error(argv[0]);
		del = true;
	}
	if (argc - optind != 1) {
		if (argc - optind > 1)
			stationctl_util_err("passwd: only USER; the password is read from the "
					    "terminal or standard input, never from arguments");
		return stationctl_commands_usage_error(argv[0]);
	}
	if (!users_name_valid(argv[optind])) {
		char shown[100];

		stationctl_util_printable(argv[optind], shown, sizeof(shown));
		stationctl_util_err("invalid user name '%s' (1 to %d of A-Z a-z 0-9 . _ @ -, not "
				    "starting with - or .)",
				    shown, USERNAME_MAX);
		return STATIONCTL_EXIT_INVALID;
	}
	if (!del) {
		ret = stationctl_passwd_get(pw, sizeof(pw));
		if (ret)
			goto cleanup;
	}
	if (users_set(ctx->users_file, argv[optind], del ? NULL : pw, err, sizeof(err)) < 0) {
		int e = errno;

		stationctl_util_err("%s", err);
		ret = e == ETIMEDOUT ? STATIONCTL_EXIT_LOCK
		      : e == ENOENT  ? STATIONCTL_EXIT_NOTFOUND
		      : e == EINVAL  ? STATIONCTL_EXIT_INVALID
				     : STATIONCTL_EXIT_IO;
		goto cleanup;
	}
	printf("%s %s in %s\n", del ? "removed user" : "set the password of", argv[optind],
	       ctx->users_file);
	stationctl_passwd_warn_weak(ctx->users_file);
	ret = STATIONCTL_EXIT_OK;
cleanup:
	explicit_bzero(pw, sizeof(pw));
	return ret;
}
