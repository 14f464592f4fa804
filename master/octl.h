/*
 * obproxyctl's modules: the command line and the verbs (obproxyctl.c),
 * the output, plain or one JSON object (octl_out.c), the control socket
 * (octl_sock.c), and the pid file, signals and start (octl_proc.c).
 * A program of its own: it includes obp.h only and never uses libev.
 */
#ifndef OBP_MASTER_OCTL_H
#define OBP_MASTER_OCTL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Exit statuses, LSB-like (README). */
enum {
    OBP_OCTL_OK = 0,
    OBP_OCTL_FAILED = 1,        /* refused, or an error; status: stale pid */
    OBP_OCTL_USAGE = 2,
    OBP_OCTL_NOT_RUNNING = 3,
    OBP_OCTL_NO_ANSWER = 4,     /* status: alive, the socket does not answer */
    OBP_OCTL_RUNNING = 5        /* start: obproxy runs already */
};

#define OBP_OCTL_LINE_MAX OBP_CTL_LINE_MAX

/*
 * The output: reply lines and obproxyctl's own messages go to stdout and
 * stderr, or (json) are collected and printed as one object at the end.
 */
struct obp_octl_item;

struct obp_octl_out {
    bool                  json;
    struct obp_octl_item *items;
    size_t                n, cap;
};

/* A reply line of the master's ("key: value", "ok: ...", "failed: ..."). */
void obp_octl_reply_line(struct obp_octl_out *o, const char *line,
                         size_t len);

/*
 * One of obproxyctl's own messages: plain, "obproxyctl: ..." on stderr
 * (<err>) or the text on stdout; json, a string member <key>.
 */
void obp_octl_say(struct obp_octl_out *o, bool err, const char *key,
                  const char *fmt, ...) OBP_PRINTF(4, 5);

/* A member for json only: a literal (true, false, a number). */
void obp_octl_member(struct obp_octl_out *o, const char *key,
                     const char *literal);

/* Prints the object (json) with "verb" and "exit"; returns <rc>. */
int obp_octl_end(struct obp_octl_out *o, const char *verb, int rc);

/* Where obproxy is and how long to wait for it. */
struct obp_octl {
    char                root[PATH_MAX];     /* absolute */
    char                sock[PATH_MAX];
    char                pidfile[PATH_MAX];
    long                wait_s;             /* for stop to end */
    long                timeout_s;          /* for a reply */
    struct obp_octl_out out;
};

/*
 * Sends <request> and reads the reply into the output.  Returns 0 (ok),
 * 1 (failed) or -1 when the socket did not answer, the reason in <why>.
 * <fd> gets the connection, open, for "stop" to wait on.
 */
int obp_octl_request(struct obp_octl *c, const char *request, int *fd,
                     char *why, size_t len);

/* After "stop": waits for the master to close the connection (exit). */
int obp_octl_wait_close(struct obp_octl *c, int fd);

/* The pid in the pid file if that process lives (not a zombie), else 0. */
pid_t obp_octl_live_pid(const struct obp_octl *c, pid_t *named);

/* Waits up to wait_s for <pid> to exit; OBP_OCTL_OK or _FAILED. */
int obp_octl_wait_pid(struct obp_octl *c, pid_t pid);

/*
 * Starts obproxy (<binary>, or the one beside obproxyctl) with <args>
 * and OBPROXY_ROOT; returns an exit status.
 */
int obp_octl_start(struct obp_octl *c, const char *binary, char **args,
                   int nargs);

#endif
