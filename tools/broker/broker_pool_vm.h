/* One pool VM on the libvirt side: its overlay, its domain XML, starting
 * it, finding its address, destroying it, and listing what exists.
 *
 * Overlays are made with `qemu-img create -f qcow2 -F qcow2 -b BASE
 * OVERLAY`, not with libvirt's storage API: the storage API needs the
 * overlay folder defined as a libvirt storage pool (one more thing for the
 * admin to set up and keep in step), while qemu-img needs only the folder,
 * and deleting the overlay is one unlink(). The price: the overlay folder
 * must be one the libvirt host sees at the same path, i.e. the broker runs
 * on that host or shares the folder with it.
 *
 * Domains are started with virDomainCreateXML: transient, so destroying a
 * VM leaves no definition behind, and start-up reconciliation looks only at
 * transient domains, never at an admin's defined ones.
 *
 * The graphics password: each VM gets a random one when it is made (the
 * broker_libvirt_xml password generator), nobody but the broker knows it,
 * and the VM goes to one station only and is destroyed after that session.
 * So the password given at hand-out is one-time by construction, and a
 * hand-out needs no libvirt call at all. */
#ifndef BROKER_POOL_VM_H
#define BROKER_POOL_VM_H

#include <stdbool.h>
#include <stddef.h>

#include <libvirt/libvirt.h>

#include "stations.h"

#define BROKER_POOL_TEMPLATE_MAX (256u * 1024)
#define BROKER_POOL_QEMU_IMG	 "qemu-img"

/* The domain XML of a new VM from the template's text: <name> set, a fresh
 * <uuid>, a fresh MAC on every <interface>, the first disk (added when the
 * template has none) on the overlay as qcow2, and every <graphics> of the
 * pool's protocol with autoport and the password (a graphics element with
 * autoport='no' and a fixed port keeps its port: only for drivers that
 * assign none, such as libvirt's test driver). Caller frees; NULL with err. */
char *broker_pool_vm_xml(const char *tmpl, size_t len, const char *name, const char *overlay,
			 enum st_protocol protocol, const char *password, char *err, size_t errlen);

/* qemu-img create ... (no shell), the file then owned like its folder so
 * that an unprivileged QEMU can write it. 0 or -1 with err. */
int broker_pool_vm_overlay(const char *base, const char *overlay, char *err, size_t errlen);

/* virDomainCreateXML. 0 or -1 with err. */
int broker_pool_vm_start(virConnectPtr conn, const char *xml, char *err, size_t errlen);

/* Address, ports from the live XML: 1 (found), 0 (no port yet), -1 (err). */
int broker_pool_vm_address(virConnectPtr conn, const char *uri, const char *name,
			   enum st_protocol protocol, char *host, size_t hostlen, unsigned *port,
			   unsigned *tls_port, char *err, size_t errlen);

/* Stops the domain; a domain that does not exist counts as done. 0 or -1. */
int broker_pool_vm_destroy(virConnectPtr conn, const char *name, char *err, size_t errlen);

/* Names of the running transient domains that are the pool's
 * ("<pool>-<digits>"). *out: NULL-terminated, free with
 * broker_pool_vm_names_free. 0 or -1 with err. */
int broker_pool_vm_domains(virConnectPtr conn, const char *pool, char ***out, size_t *n, char *err,
			   size_t errlen);
/* File names in dir that are overlays of the pool. A missing folder is
 * empty. 0 or -1 with err. */
int broker_pool_vm_overlays(const char *dir, const char *pool, char ***out, size_t *n, char *err,
			    size_t errlen);
void broker_pool_vm_names_free(char **v);

#endif
