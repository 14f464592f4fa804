/*
 * Reroute (ODP-REFERENCE 7.6) and the partition-hit feedback (5.9) of
 * OceanBase servers on an OB 2.0 leg.
 *
 * With enable_reroute, a statement sent to its partition's leader as the
 * route cache knows it (not by target_db_server) and kept for a resend
 * (retry.h: one statement, outside a transaction) goes in frames flagged
 * OB_IS_PROXY_REROUTE.  A server that does not lead the
 * statement's partition may then answer OB_ERR_REROUTE (5727 on the
 * wire) instead of running it, followed by an OK whose session track
 * holds ob_client_reroute_info: the named server, its role and replica
 * type, the table's name and schema version, each a length-encoded
 * integer or string after the struct's own length.  Nothing of that
 * answer reaches the client: the table entry turns dirty (mwait.h), the
 * statement goes back in front of the client's unread bytes and is
 * routed to the named server, once (the resend asks no reroute).
 *
 * An OK whose session track says ob_proxy_partition_hit "0" (or
 * "false") for a statement the proxy sent to its partition's leader
 * means that server no longer leads it: the entry turns dirty as with
 * OB_NOT_MASTER.  A statement sent elsewhere (no partition computed, a
 * weak read) is not counted: the server missing its partition says
 * nothing of the entry.
 */
#ifndef OBP_WORKER_REROUTE_H
#define OBP_WORKER_REROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_OB_ERR_REROUTE  5727    /* OceanBase's error, as servers send it */
#define OBP_REROUTE_VAR     "ob_client_reroute_info"
#define OBP_PART_HIT_VAR    "ob_proxy_partition_hit"
#define OBP_REROUTE_ADDR    64      /* "ip:port" of the named server */

struct obp_iobuf;
struct obp_router_out;
struct obp_session;

struct obp_reroute {
    int      to;            /* server index the resend goes to, -1 none */
    unsigned asked:1;       /* the command's frames ask for a reroute */
    unsigned again:1;       /* the next command relayed is the resend */
};

void obp_reroute_init(struct obp_session *s);

/* The command is relayed now: its frames ask for a reroute or not. */
void obp_reroute_note(struct obp_session *s);

/*
 * The command's response is over: what the proxy sends the server of
 * its own next (session sync, a ping) asks no reroute.
 */
void obp_reroute_end(struct obp_session *s);

/*
 * The response's first packet, an ERR of payload <len>, at b->parse:
 * OBP_DONE when it was a reroute, taken with the OK after it (both
 * passed over, nothing relayed) and the statement put back for its
 * resend; OBP_OK when it goes to the client as any ERR.
 */
int obp_reroute_take(struct obp_session *s, struct obp_iobuf *b,
                     uint32_t len);

/* The resend goes where the reroute said (sroute.c's decision). */
void obp_reroute_route(struct obp_session *s, struct obp_router_out *out);

/* A session-track variable of the command's OK. */
void obp_reroute_track(struct obp_session *s, const uint8_t *name,
                       size_t name_len, const uint8_t *val, size_t val_len);

/*
 * Server "ip:port" into <addr> (OBP_REROUTE_ADDR bytes) from the value
 * of ob_client_reroute_info: OBP_OK, or OBP_ERROR for a value that does
 * not hold an IPv4 server.
 */
int obp_reroute_info_addr(const uint8_t *val, size_t len, char *addr);

#endif
