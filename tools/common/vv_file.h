/* virt-viewer connection files (".vv"), as Proxmox VE, oVirt and other
 * virtualization managers hand them out for remote-viewer:
 *
 *   [virt-viewer]
 *   type=spice
 *   host=10.0.0.5
 *   tls-port=61000
 *   password=...
 *   ca=-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n
 *   host-subject=OU=PVE Cluster Node,O=Proxmox Virtual Environment,CN=node1
 *   proxy=http://node1:3128
 *   delete-this-file=1
 *
 * The text is a GLib key file: "[group]" headers, "key=value" lines (blanks
 * around '=' ignored), '#' comments, and the value escapes \s \n \t \r \\.
 * Only [virt-viewer] is read; other groups ([ovirt], ...) are checked for
 * syntax and otherwise ignored, as are keys this station has no use for.
 * Stricter than GKeyFile on purpose, because these files come from the
 * network: a group or a [virt-viewer] key given twice is an error, not
 * "the last one wins", since two different hosts in one file are a
 * generator bug or tampering.
 *
 * Pure C (tools/common only): the broker validates fetched files with the
 * same parser, the launcher turns them into endpoints, and the fuzz target
 * needs nothing else. No I/O in vv_file_parse; vv_file_read reads a path. */
#ifndef VDI_VV_FILE_H
#define VDI_VV_FILE_H

#include <stdbool.h>
#include <stddef.h>

#define VV_FILE_MAX	   (64 * 1024) /* whole file */
#define VV_FILE_SECRET_MAX 255
#define VV_FILE_TEXT_MAX   1024 /* host-subject, proxy, title */
#define VV_FILE_FILTER_MAX 4096 /* usb-filter */
#define VV_FILE_ERR_MAX	   256

enum vv_type { VV_TYPE_SPICE, VV_TYPE_VNC };

struct vv_file {
	enum vv_type type;
	char *host;
	unsigned port;	   /* 0: absent (oVirt writes port=-1 for "none") */
	unsigned tls_port; /* 0: absent */
	char *password;	   /* secret: wiped by vv_file_clear */
	char *ca;	   /* PEM text, real newlines */
	char *host_subject;
	char *proxy;	   /* http:// or https:// HOST:PORT */
	char *title;	   /* NULL when absent */
	char *usb_filter;  /* usbredir auto-connect filter; NULL when absent */
	int usbredir;	   /* enable-usbredir: -1 absent, 0 or 1 */
	int usb_autoshare; /* enable-usb-autoshare: -1 absent, 0 or 1 */
	bool delete_this_file;
	bool ovirt_group; /* an [ovirt] group was present (and ignored) */
};

/* Parses len bytes at data (need not be NUL-terminated). On success out owns
 * its strings (free with vv_file_clear) and 0 is returned; on failure out is
 * cleared, err holds "vv file: KEY: reason" (or "vv file: line N: reason")
 * and -1 is returned. */
int vv_file_parse(const char *data, size_t len, struct vv_file *out, char *err, size_t errlen);

/* Frees everything, wiping the password first, and zeroes *f. Safe twice. */
void vv_file_clear(struct vv_file *f);

/* Reads a connection file, at most VV_FILE_MAX bytes; "-" reads standard
 * input. *text is NUL-terminated (the caller wipes and frees it: it holds a
 * password). 0, or -1 with err. */
int vv_file_read(const char *path, char **text, size_t *len, char *err, size_t errlen);

const char *vv_type_name(enum vv_type t);

#endif
