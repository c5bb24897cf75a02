/* The one request spice-gtk sends its USB ACL helper: "BUSNUM DEVNUM\n",
 * the device's bus and address in decimal. It comes from another process
 * and is parsed as hostile input: capped in length, digits and one space
 * only, and both numbers within the ranges Linux gives USB devices. */
#ifndef USB_ACL_REQUEST_H
#define USB_ACL_REQUEST_H

#include <stddef.h>

/* The longest request line, newline included ("255 127\n" is 8 bytes). */
#define USB_ACL_REQUEST_MAX 16

/* Linux numbers USB buses from 1 (at most 64 host controllers in practice;
 * 255 keeps room) and addresses devices from 1 to 127 on each bus. */
#define USB_ACL_BUS_MAX 255
#define USB_ACL_DEV_MAX 127

/* "/dev/bus/usb/BBB/DDD" and its terminator. */
#define USB_ACL_PATH_MAX 24

/* Parses one line (len bytes, which must end with the only '\n').
 * 0 and *busnum, *devnum set; -1 when the line is malformed or out of
 * range. */
int usb_acl_request_parse(const char *line, size_t len, int *busnum, int *devnum);

/* The device node of a parsed request. 0, or -1 if out would not hold it. */
int usb_acl_request_path(int busnum, int devnum, char *out, size_t outlen);

#endif
