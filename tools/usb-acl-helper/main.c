/* spice-client-glib-usb-acl-helper for a station, whose launcher runs as
 * root with no D-Bus and no polkit. spice-gtk (built with polkit support, as
 * Debian builds it) runs this program for every device it redirects:
 *
 *   spice-gtk writes  "BUSNUM DEVNUM\n"
 *   we answer         "SUCCESS\n", or one line of anything else (an error)
 *   spice-gtk closes our stdin when it is done with us (as soon as it has
 *   opened the device: Debian's helper removes its ACL then); we exit.
 *
 * Debian's helper asks polkit and adds an ACL for the calling user; here
 * the caller already has every right it needs, so this one only checks
 * that the request is well-formed and that the caller can open the device
 * itself, and holds nothing. It refuses to run set-user-ID: it must never
 * be a way to reach a device the caller could not. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "usb_acl_device.h"
#include "usb_acl_request.h"

/* spice-gtk writes the request as soon as it has started us; a caller that
 * never does is not spice-gtk. */
#define USB_ACL_REQUEST_TIMEOUT 10

static void usb_acl_answer(const char *line)
{
	size_t len = strlen(line), off = 0;
	ssize_t n;

	while (off < len) {
		n = write(STDOUT_FILENO, line + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

/* An error goes to spice-gtk as the answer (it only needs "not SUCCESS")
 * and to stderr, the launcher's log, as one of its events. device is the
 * node, NULL while the request is not understood. */
static int usb_acl_fail(const char *device, const char *reason)
{
	char line[128];

	snprintf(line, sizeof(line), "Error %s\n", reason);
	usb_acl_answer(line);
	log_event(LOG_WARN, "usb_acl_refused", "device", device, "reason", reason, NULL);
	return 1;
}

/* Reads the request line, byte by byte so that nothing after it is
 * consumed. Returns its length, 0 at end of input, -1 when it is too long
 * or cannot be read (the timeout's alarm interrupts the read: EINTR). */
static int usb_acl_read_request(char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size) {
		n = read(STDIN_FILENO, buf + len, 1);
		if (n < 0)
			return -1;
		if (n == 0)
			return len == 0 ? 0 : -1;
		if (buf[len++] == '\n')
			return (int)len;
	}
	return -1;
}

/* Waits until spice-gtk closes our stdin (it has opened the device, gave
 * up, or died). It never sends more; anything it does send ends the wait
 * too. */
static void usb_acl_wait_release(void)
{
	char buf[64];
	ssize_t n;

	do {
		n = read(STDIN_FILENO, buf, sizeof(buf));
	} while (n < 0 && errno == EINTR);
}

static void usb_acl_timeout(int sig)
{
	(void)sig;
}

int main(void)
{
	struct sigaction sa = {.sa_handler = usb_acl_timeout}; /* no SA_RESTART */
	char req[USB_ACL_REQUEST_MAX], path[USB_ACL_PATH_MAX];
	enum usb_acl_device_status status;
	int len, busnum, devnum;

	log_init("usb-acl-helper", LOG_INFO);
	/* A closed pipe must end us with a status, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (getuid() != geteuid() || getgid() != getegid())
		return usb_acl_fail(NULL, "refusing to run set-user-ID or set-group-ID");

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(USB_ACL_REQUEST_TIMEOUT);
	len = usb_acl_read_request(req, sizeof(req));
	alarm(0);
	if (len == 0)
		return usb_acl_fail(NULL, "no request");
	if (len < 0 || usb_acl_request_parse(req, (size_t)len, &busnum, &devnum) < 0 ||
	    usb_acl_request_path(busnum, devnum, path, sizeof(path)) < 0)
		return usb_acl_fail(NULL, "malformed request");
	status = usb_acl_device_check(path);
	if (status != USB_ACL_DEVICE_OK)
		return usb_acl_fail(path, usb_acl_device_reason(status));
	usb_acl_answer("SUCCESS\n");
	usb_acl_wait_release();
	return 0;
}
