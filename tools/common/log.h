/* Structured logging: one key=value line per event on stderr.
 *
 * Values are quoted and escaped by the logger, so nothing read from the
 * network can forge a log line (no raw newlines or quotes get through). */
#ifndef VDI_LOG_H
#define VDI_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_init(const char *program, enum log_level min_level);
enum log_level log_get_level(void);
/* "debug", "info", "warn", "error" → level; -1 when unknown. */
int log_level_parse(const char *s);

/* log_event(LOG_INFO, "lookup", "mac", mac, "status", "ready", NULL):
 * key/value string pairs terminated by NULL. A NULL value prints as "-". */
void log_event(enum log_level level, const char *event, ...) __attribute__((sentinel));

#endif
