/* The VNC viewer (launcher_vnc_viewer, see launcher_viewer.h). One VNC
 * connection: gtk-vnc's VncDisplay in the launcher's window, with
 * password authentication. VNC is the fallback and the out-of-band console
 * (QEMU's own VNC server), so it has one display, scaled to the first
 * monitor with its aspect kept, and no USB or audio.
 *
 * Callbacks run from an idle handler, never from inside a gtk-vnc signal,
 * so the receiver may tear the connection down right away. Failure kinds:
 * connect, auth, timeout; ends: server_closed, connection_lost. Images
 * built without gtk-vnc (LAUNCHER_NO_VNC) fail every VNC endpoint at once. */
#ifndef LAUNCHER_VNC_H
#define LAUNCHER_VNC_H

#include "launcher_viewer.h"

#endif
