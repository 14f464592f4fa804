/*
 * OceanBase session-state synchronisation (ODP-REFERENCE 9.4, 10.1) on
 * the server leg.  A server that granted OB_CAP_PROXY_SESSION_SYNC puts
 * its session's binary state in the extra info of its answers: a
 * SESS_INFO item (2002 in the new format, key "sess_inf" in the old),
 * whose value is a run of fields, each type:i16 length:i32 value
 * (0 APPLICATION_INFO ... 4 SYS_VAR, 5..8 the transaction's).  The
 * proxy keeps the newest of each field type in the client session with
 * a version, and every server session remembers the version of each
 * field it holds (sent to it, or received from it); the first request
 * on a server session then carries, in one SESS_INFO item of its extra
 * info, the fields it has not seen yet, once.  As ODP does, an answer
 * that is an ERR counts those fields not received (they go again with
 * the next request) but for the ones the server sent back itself.  The
 * proxy reads nothing inside a field: it is the servers' business.
 * Fields come from the answers to the client's commands; those of the
 * proxy's own statements (ssync.h) are checked but not kept.
 *
 * Fields are bounded (OBP_SESSINFO_FIELD_MAX each, OBP_SESSINFO_MAX in
 * all, types below OBP_SESSINFO_TYPES, none empty): an item that breaks
 * a bound or does not parse refuses its frame (xob20.c), which closes
 * the server session and fails the client's command with an error.
 */
#ifndef OBP_WORKER_SESSINFO_H
#define OBP_WORKER_SESSINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_SESSINFO_TYPES     32
#define OBP_SESSINFO_FIELD_MAX 4096
#define OBP_SESSINFO_MAX       8192
#define OBP_SESSINFO_KEY       "sess_inf"   /* the old format's key */

struct obp_session;

/* A client session's fields (values with their 6-byte headers). */
struct obp_sessinfo {
    uint8_t  *val[OBP_SESSINFO_TYPES];
    uint32_t  len[OBP_SESSINFO_TYPES];
    uint64_t  ver[OBP_SESSINFO_TYPES];  /* 0: never set */
    uint64_t  next;                     /* the last version given */
    size_t    total;                    /* bytes held */
};

/*
 * A server session's side: whose fields, and the versions it holds.
 * <home> is set while a client session owns the server session (every
 * change of owner, obp_srv_adopt, clears it).
 */
struct obp_sessinfo_peer {
    struct obp_sessinfo **home;         /* the owner's store, or NULL */
    uint64_t              owner;        /* the client session's id */
    uint64_t              seen[OBP_SESSINFO_TYPES];
    uint64_t              undo[OBP_SESSINFO_TYPES]; /* seen before the
                                           request under way */
    uint32_t              sent;         /* types it carries, a bit each */
    const char           *fault;        /* why the last item was refused */
};

/*
 * Checks a SESS_INFO value (<len> bytes at <p>) against the bounds:
 * OBP_OK, or OBP_ERROR with *why set.
 */
int obp_sessinfo_check(const uint8_t *p, size_t len, const char **why);

/*
 * A SESS_INFO value a server sent on <peer>: checked, then its fields
 * stored with new versions (the server holds them).  OBP_OK (also when
 * no client session is attached), OBP_ERROR with peer->fault set.
 */
int obp_sessinfo_take(struct obp_sessinfo_peer *peer, const uint8_t *p,
                      size_t len);

/*
 * The extra info of a request on <peer> (new or old format) into <out>
 * (<room> bytes): one SESS_INFO item with the fields the server has not
 * seen, then marked seen.  The bytes written, 0 when there is nothing.
 */
size_t obp_sessinfo_put(struct obp_sessinfo_peer *peer, bool new_format,
                        uint8_t *out, size_t room);

/* The command relayed now: s->srv's peer takes s's fields. */
void obp_sessinfo_attach(struct obp_session *s);

/* The command's response is over (an ERR when s->resp.failed). */
void obp_sessinfo_answered(struct obp_session *s);

void obp_sessinfo_free(struct obp_sessinfo *si);

#endif
