/* populate --uri URI --image IMAGE --template XML --prefix NAME --count N
 * [--dir DIR]: N desktop domains NAME-1..NAME-N, each on its own qcow2
 * overlay of one initial image, defined in libvirt and left shut off (the
 * broker starts a domain when its station asks for it).
 *
 * Nothing is overwritten: every name and every overlay path is checked
 * before the first one is made, and a failure half-way removes the
 * overlays and definitions this run made, so a rerun starts clean. */
#include "stationctl_populate.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "fileio.h"
#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_util.h"

extern char **environ;

#define STATIONCTL_POPULATE_QEMU_IMG "qemu-img"
/* Room for qemu-img's complaint; it is a line or two. */
#define STATIONCTL_POPULATE_ERR_MAX 1024
/* Interfaces per template we give MAC addresses to. */
#define STATIONCTL_POPULATE_NICS_MAX 16

struct stationctl_populate_opts {
	const char *uri, *image, *template, *prefix, *dir;
	unsigned count;
};

/* What this run has made so far, to undo it on failure. */
struct stationctl_populate_run {
	virConnectPtr conn;
	xmlDoc *tmpl;
	char image[PATH_MAX];
	char dir[PATH_MAX];
	unsigned n_overlays; /* overlays 1..n_overlays exist because of us */
	unsigned n_domains;  /* domains 1..n_domains are defined by us */
	char (*macs)[18];    /* every MAC given out by this run */
	size_t n_macs;
};

static const char *stationctl_populate_virt_err(void)
{
	const char *m = virGetLastErrorMessage();

	return m ? m : "unknown libvirt error";
}

/* libvirt prints every error on stderr by default; this command reports
 * them itself, once, with what it was doing. */
static void stationctl_populate_quiet(void *data, virErrorPtr e)
{
}

static void stationctl_populate_name(const struct stationctl_populate_opts *o, unsigned i,
				     char *out, size_t outlen)
{
	snprintf(out, outlen, "%s-%u", o->prefix, i);
}

static void stationctl_populate_overlay(const struct stationctl_populate_run *r,
					const struct stationctl_populate_opts *o, unsigned i,
					char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s-%u.qcow2", r->dir, o->prefix, i);
}

/* The characters the broker's `domain` key accepts: a populated domain
 * must be mappable, and the name ends up in a file path. */
static int stationctl_populate_check_prefix(const char *p)
{
	size_t len = strlen(p);

	if (len == 0 || len + 1 + 4 > STATIONCTL_POPULATE_NAME_MAX ||
	    strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-") !=
		len ||
	    p[0] == '.' || p[0] == '-') {
		char shown[64];

		stationctl_util_printable(p, shown, sizeof(shown));
		stationctl_util_err("--prefix '%s': expected 1 to %d of A-Z a-z 0-9 . _ + -, "
				    "not starting with . or -",
				    shown, STATIONCTL_POPULATE_NAME_MAX - 5);
		return -1;
	}
	return 0;
}

static int stationctl_populate_parse(int argc, char **argv, struct stationctl_populate_opts *o)
{
	static const struct option opts[] = {
	    {"uri", required_argument, NULL, 'c'},
	    {"image", required_argument, NULL, 'i'},
	    {"template", required_argument, NULL, 't'},
	    {"prefix", required_argument, NULL, 'p'},
	    {"count", required_argument, NULL, 'N'},
	    {"dir", required_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	const char *count = NULL;
	char *end;
	unsigned long n;
	int c;

	while ((c = getopt_long(argc, argv, "c:i:t:p:N:d:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->uri = optarg;
			break;
		case 'i':
			o->image = optarg;
			break;
		case 't':
			o->template = optarg;
			break;
		case 'p':
			o->prefix = optarg;
			break;
		case 'N':
			count = optarg;
			break;
		case 'd':
			o->dir = optarg;
			break;
		default:
			return stationctl_commands_usage_error(argv[0]);
		}
	}
	if (optind < argc) {
		stationctl_util_err("populate: unexpected argument '%s'", argv[optind]);
		return stationctl_commands_usage_error(argv[0]);
	}
	if (!o->uri || !o->image || !o->template || !o->prefix || !count) {
		stationctl_util_err("populate: --uri, --image, --template, --prefix and --count "
				    "are all needed");
		return stationctl_commands_usage_error(argv[0]);
	}
	errno = 0;
	n = strtoul(count, &end, 10);
	if (errno || end == count || *end || count[0] == '-' || n < 1 ||
	    n > STATIONCTL_POPULATE_COUNT_MAX) {
		stationctl_util_err("--count '%s': expected 1 to %d", count,
				    STATIONCTL_POPULATE_COUNT_MAX);
		return STATIONCTL_EXIT_INVALID;
	}
	o->count = (unsigned)n;
	if (stationctl_populate_check_prefix(o->prefix) < 0)
		return STATIONCTL_EXIT_INVALID;
	return STATIONCTL_EXIT_OK;
}

/* The image by its absolute path (the overlays name it as their backing
 * file, and must find it from wherever QEMU runs), and the overlay folder. */
static int stationctl_populate_paths(const struct stationctl_populate_opts *o,
				     struct stationctl_populate_run *r)
{
	struct stat st;
	char tmp[PATH_MAX];

	if (!realpath(o->image, r->image) || stat(r->image, &st) < 0) {
		stationctl_util_err("--image %s: %s", o->image, strerror(errno));
		return STATIONCTL_EXIT_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		stationctl_util_err("--image %s: not a regular file", o->image);
		return STATIONCTL_EXIT_INVALID;
	}
	if (!o->dir) {
		snprintf(tmp, sizeof(tmp), "%s", r->image);
		snprintf(r->dir, sizeof(r->dir), "%s", dirname(tmp));
		return STATIONCTL_EXIT_OK;
	}
	if (!realpath(o->dir, r->dir) || stat(r->dir, &st) < 0) {
		stationctl_util_err("--dir %s: %s", o->dir, strerror(errno));
		return STATIONCTL_EXIT_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		stationctl_util_err("--dir %s: not a directory", o->dir);
		return STATIONCTL_EXIT_INVALID;
	}
	return STATIONCTL_EXIT_OK;
}

static int stationctl_populate_template(const struct stationctl_populate_opts *o,
					struct stationctl_populate_run *r)
{
	char err[512];
	char *text = NULL;
	size_t len = 0;

	if (file_read_capped(o->template, STATIONCTL_POPULATE_TEMPLATE_MAX, &text, &len) < 0) {
		stationctl_util_err("--template %s: %s", o->template,
				    errno == EFBIG ? "too large" : file_strerror(errno));
		return STATIONCTL_EXIT_IO;
	}
	r->tmpl = stationctl_populate_xml_load(text, len, err, sizeof(err));
	free(text);
	if (!r->tmpl) {
		stationctl_util_err("--template %s: %s", o->template, err);
		return STATIONCTL_EXIT_INVALID;
	}
	if (stationctl_populate_xml_interfaces(r->tmpl) > STATIONCTL_POPULATE_NICS_MAX) {
		stationctl_util_err("--template %s: more than %d <interface> elements", o->template,
				    STATIONCTL_POPULATE_NICS_MAX);
		return STATIONCTL_EXIT_INVALID;
	}
	return STATIONCTL_EXIT_OK;
}

/* Every conflict, reported together, before anything is made. */
static int stationctl_populate_precheck(const struct stationctl_populate_opts *o,
					struct stationctl_populate_run *r)
{
	char name[STATIONCTL_POPULATE_NAME_MAX + 1], path[PATH_MAX + 256];
	struct stat st;
	int conflicts = 0;

	for (unsigned i = 1; i <= o->count; i++) {
		virDomainPtr dom;

		stationctl_populate_name(o, i, name, sizeof(name));
		dom = virDomainLookupByName(r->conn, name);
		if (dom) {
			stationctl_util_err("domain %s exists already at %s", name, o->uri);
			virDomainFree(dom);
			conflicts++;
		} else if (virGetLastErrorCode() != VIR_ERR_NO_DOMAIN) {
			stationctl_util_err("cannot look up domain %s at %s: %s", name, o->uri,
					    stationctl_populate_virt_err());
			return STATIONCTL_EXIT_IO;
		}
		stationctl_populate_overlay(r, o, i, path, sizeof(path));
		/* lstat: a dangling symlink is in the way too. */
		if (lstat(path, &st) == 0) {
			stationctl_util_err("%s exists already", path);
			conflicts++;
		}
	}
	if (conflicts) {
		stationctl_util_err("nothing was changed; remove those or choose another --prefix");
		return STATIONCTL_EXIT_EXISTS;
	}
	return STATIONCTL_EXIT_OK;
}

/* qemu-img create -f qcow2 -F qcow2 -b IMAGE OVERLAY, its error output
 * kept for the message. No shell: the paths are arguments as they are. */
static int stationctl_populate_qemu_img(const struct stationctl_populate_run *r,
					const char *overlay, char *err, size_t errlen)
{
	char *argv[] = {STATIONCTL_POPULATE_QEMU_IMG,
			"create",
			"-q",
			"-f",
			"qcow2",
			"-F",
			"qcow2",
			"-b",
			(char *)r->image,
			(char *)overlay,
			NULL};
	posix_spawn_file_actions_t fa;
	int pipefd[2] = {-1, -1}, status = 0, ret = -1;
	size_t len = 0;
	pid_t pid;
	ssize_t n;

	err[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	errno = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (errno) {
		snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(errno));
		goto out;
	}
	while (len + 1 < errlen && (n = read(pipefd[0], err + len, errlen - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	err[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ret = 0;
		goto out;
	}
	/* One line for the message: qemu-img's own, without its newline. */
	err[strcspn(err, "\n")] = '\0';
	if (!err[0])
		snprintf(err, errlen, "qemu-img failed (status %d)", status);
out:
	close(pipefd[0]);
	return ret;
}

/* A locally administered address in the range libvirt and QEMU use
 * (52:54:00), not given to another interface of this run. */
static int stationctl_populate_mac(struct stationctl_populate_run *r, char out[18])
{
	for (int tries = 0; tries < 100; tries++) {
		unsigned char b[3];
		bool dup = false;

		if (getrandom(b, sizeof(b), 0) != sizeof(b))
			return -1;
		snprintf(out, 18, "52:54:00:%02x:%02x:%02x", b[0], b[1], b[2]);
		for (size_t k = 0; k < r->n_macs && !dup; k++)
			dup = strcmp(r->macs[k], out) == 0;
		if (!dup) {
			memcpy(r->macs[r->n_macs++], out, 18);
			return 0;
		}
	}
	return -1;
}

/* One domain: reserve the overlay path (O_EXCL, so nothing that appeared
 * since the check is overwritten), make the overlay, define the domain. */
static int stationctl_populate_one(const struct stationctl_populate_opts *o,
				   struct stationctl_populate_run *r, unsigned i)
{
	char name[STATIONCTL_POPULATE_NAME_MAX + 1], path[PATH_MAX + 256];
	char err[STATIONCTL_POPULATE_ERR_MAX];
	char macs[STATIONCTL_POPULATE_NICS_MAX][18];
	size_t nics = stationctl_populate_xml_interfaces(r->tmpl);
	virDomainPtr dom;
	char *xml;
	int fd;

	stationctl_populate_name(o, i, name, sizeof(name));
	stationctl_populate_overlay(r, o, i, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		stationctl_util_err("cannot create %s: %s", path, strerror(errno));
		return STATIONCTL_EXIT_IO;
	}
	close(fd);
	r->n_overlays = i;
	if (stationctl_populate_qemu_img(r, path, err, sizeof(err)) < 0) {
		stationctl_util_err("cannot create the overlay %s: %s", path, err);
		return STATIONCTL_EXIT_IO;
	}
	for (size_t k = 0; k < nics; k++) {
		if (stationctl_populate_mac(r, macs[k]) < 0) {
			stationctl_util_err("cannot make a MAC address for %s", name);
			return STATIONCTL_EXIT_IO;
		}
	}
	xml = stationctl_populate_xml_domain(r->tmpl, name, path, macs, nics, err, sizeof(err));
	if (!xml) {
		stationctl_util_err("cannot make the definition of %s: %s", name, err);
		return STATIONCTL_EXIT_IO;
	}
	dom = virDomainDefineXML(r->conn, xml);
	xmlFree(xml);
	if (!dom) {
		stationctl_util_err("libvirt refused to define %s: %s", name,
				    stationctl_populate_virt_err());
		return STATIONCTL_EXIT_INVALID;
	}
	virDomainFree(dom);
	r->n_domains = i;
	printf("defined %s (disk %s)\n", name, path);
	return STATIONCTL_EXIT_OK;
}

/* Undoes this run: its definitions first (a domain must not outlive its
 * disk), then its overlays. Only what this run made, so a conflict found
 * by the O_EXCL open above is never removed. */
static void stationctl_populate_undo(const struct stationctl_populate_opts *o,
				     struct stationctl_populate_run *r)
{
	char name[STATIONCTL_POPULATE_NAME_MAX + 1], path[PATH_MAX + 256];

	for (unsigned i = r->n_domains; i >= 1; i--) {
		virDomainPtr dom;

		stationctl_populate_name(o, i, name, sizeof(name));
		dom = virDomainLookupByName(r->conn, name);
		if (!dom || virDomainUndefine(dom) < 0)
			stationctl_util_err("could not remove domain %s again: %s", name,
					    stationctl_populate_virt_err());
		else
			fprintf(stderr, "stationctl: removed domain %s again\n", name);
		if (dom)
			virDomainFree(dom);
	}
	for (unsigned i = r->n_overlays; i >= 1; i--) {
		stationctl_populate_overlay(r, o, i, path, sizeof(path));
		if (unlink(path) == 0)
			fprintf(stderr, "stationctl: removed %s again\n", path);
		else if (errno != ENOENT) /* qemu-img removes a file it failed to write */
			stationctl_util_err("could not remove %s again: %s", path, strerror(errno));
	}
}

int stationctl_populate_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	struct stationctl_populate_opts o = {0};
	struct stationctl_populate_run r = {0};
	int ret;

	ret = stationctl_populate_parse(argc, argv, &o);
	if (ret)
		return ret;
	ret = stationctl_populate_paths(&o, &r);
	if (ret)
		goto cleanup;
	ret = stationctl_populate_template(&o, &r);
	if (ret)
		goto cleanup;
	r.macs = calloc((size_t)o.count * STATIONCTL_POPULATE_NICS_MAX, sizeof(*r.macs));
	if (!r.macs) {
		stationctl_util_err("out of memory");
		ret = STATIONCTL_EXIT_IO;
		goto cleanup;
	}
	virSetErrorFunc(NULL, stationctl_populate_quiet);
	r.conn = virConnectOpen(o.uri);
	if (!r.conn) {
		stationctl_util_err("cannot connect to libvirt at %s: %s", o.uri,
				    stationctl_populate_virt_err());
		ret = STATIONCTL_EXIT_IO;
		goto cleanup;
	}
	ret = stationctl_populate_precheck(&o, &r);
	if (ret)
		goto cleanup;
	for (unsigned i = 1; i <= o.count; i++) {
		ret = stationctl_populate_one(&o, &r, i);
		if (ret) {
			stationctl_populate_undo(&o, &r);
			stationctl_util_err("populate failed at %s-%u; what it had made is removed",
					    o.prefix, i);
			goto cleanup;
		}
	}
	printf("%u domains %s-1..%s-%u defined at %s, shut off\n", o.count, o.prefix, o.prefix,
	       o.count, o.uri);
cleanup:
	if (r.conn)
		virConnectClose(r.conn);
	xmlFreeDoc(r.tmpl);
	free(r.macs);
	return ret;
}
