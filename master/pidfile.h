/*
 * run/obproxy.pid: refuses a second master, written atomically, removed
 * at exit only while it still names us.  Called by main.c; obproxyctl
 * reads it (octl_proc.c).
 */
#ifndef OBP_MASTER_PIDFILE_H
#define OBP_MASTER_PIDFILE_H

#include <sys/types.h>

struct obp_errs;

/*
 * OBP_OK when <path> is missing or stale; OBP_ERROR with a message in
 * <errs> when it names a live process.  <shown> is the name in messages.
 */
int obp_pidfile_check(const char *path, const char *shown,
                      struct obp_errs *errs);

/* The pid in <path>: > 0, or 0 when missing or not a pid. */
pid_t obp_pidfile_read(const char *path);

/* Writes "<pid>\n" into a temporary file renamed over <path>. */
int obp_pidfile_write(const char *path, pid_t pid, struct obp_errs *errs);

/* Removes <path> if it still holds <pid>. */
void obp_pidfile_remove(const char *path, pid_t pid);

#endif
