/* The SPICE viewer (launcher_spice_viewer, see launcher_viewer.h): a fresh
 * SpiceSession per connection, a SpiceDisplay for each monitor the desktop
 * offers, USB redirection (launcher_spice_usb.h) and audio. Failure kinds:
 * connect, auth, tls, link, timeout; ends: server_closed, connection_lost.
 *
 * Every callback runs from an idle handler, never from inside a spice-gtk
 * signal, so the receiver may tear the connection down right away. */
#ifndef LAUNCHER_SPICE_H
#define LAUNCHER_SPICE_H

#include "launcher_viewer.h"

#endif
