/*
 * The control socket run/obproxy.sock: one text request line per
 * connection, answered with lines ending in "ok..." or "failed...".
 * Opened by main.c, closed at exit and in every worker child; the verbs
 * are in ctl_verbs.c and ctl_config.c.
 */
#ifndef OBP_MASTER_CTL_H
#define OBP_MASTER_CTL_H

#include <ev.h>
#include <stdbool.h>
#include <sys/types.h>

struct obp_master;
struct obp_errs;
struct obp_ctl_conn;

#define OBP_CTL_MAX_CONNS 8

struct obp_ctl {
    int                  fd;            /* listening, -1 when closed */
    ev_io                accept_io;
    struct obp_ctl_conn *conns[OBP_CTL_MAX_CONNS];
    struct obp_ctl_conn *waiting;       /* its answer comes later */
    dev_t                dev;           /* the socket file we bound */
    ino_t                ino;
    bool                 bound;
};

int obp_ctl_open(struct obp_master *m, struct obp_errs *errs);

/*
 * Closes the socket and every connection.  At exit (<in_child> false)
 * the socket file is removed if still ours, and a client waiting for a
 * stop keeps its connection until the process ends.
 */
void obp_ctl_close(struct obp_master *m, bool in_child);

/*
 * For the verbs (ctl_verbs.c): appends one reply line; <last> for the
 * final "ok..." or "failed..." line, which always fits.
 */
void obp_ctl_reply(struct obp_ctl_conn *c, bool last, const char *fmt, ...)
    OBP_PRINTF(3, 4);

struct obp_master *obp_ctl_master(const struct obp_ctl_conn *c);

/* The client asked for a stop: never write to it again, never close it. */
void obp_ctl_keep_open(struct obp_ctl_conn *c);

/* The hot upgrade verbs (ctl_upgrade.c). */
void obp_ctl_verb_upgrade(struct obp_ctl_conn *c, const char *arg);
void obp_ctl_verb_rollback(struct obp_ctl_conn *c, const char *arg);
void obp_ctl_verb_commit(struct obp_ctl_conn *c, const char *arg);

/*
 * The verb's outcome comes later (one such client at a time): the
 * client waits, unread, for obp_ctl_answer().  OBP_ERROR when another
 * client already waits.
 */
int obp_ctl_defer(struct obp_ctl_conn *c);

/* Ends the waiting client's reply with this last line, if one waits. */
void obp_ctl_answer(struct obp_master *m, const char *fmt, ...)
    OBP_PRINTF(2, 3);

/* Runs one request line (ctl_verbs.c). */
void obp_ctl_dispatch(struct obp_ctl_conn *c, const char *line);

/* A verb: <run> gets what follows the verb, blanks skipped. */
struct obp_ctl_verb {
    const char *name;
    void      (*run)(struct obp_ctl_conn *c, const char *arg);
    const char *help;       /* one line for "help" */
};

/* One "PREFIX: line" reply line per line of <list> (ctl_config.c). */
void obp_ctl_reply_errs(struct obp_ctl_conn *c, const char *prefix,
                        const struct obp_errs *list);

/* Answers "failed: obproxy is stopping" and returns true while it is. */
bool obp_ctl_refuse_if_stopping(struct obp_ctl_conn *c);

/* config level set | delete | list, <arg> after "level" (ctl_level.c). */
void obp_ctl_config_level(struct obp_ctl_conn *c, const char *arg);

/* Further verb tables dispatch searches: reload and config (ctl_config.c). */
extern const struct obp_ctl_verb obp_ctl_config_verbs[];
extern const size_t              obp_ctl_config_nverbs;

#endif
