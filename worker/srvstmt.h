/*
 * The prepared statements one server session holds: the client's id (the
 * proxy's, sstate.h) mapped to the id this server gave it, and whether
 * this server has seen its parameter types.  A client session that
 * routes statements to several servers prepares a statement on each
 * server the first time it runs there (ssync.c), so every server
 * session keeps its own map.  Open addressing by client id, linear
 * probing, deletion by backward shift.  The map belongs to its struct
 * obp_srv: freed with it, cleared when the server forgets its
 * statements (COM_RESET_CONNECTION).
 */
#ifndef OBP_WORKER_SRVSTMT_H
#define OBP_WORKER_SRVSTMT_H

#include <stdbool.h>
#include <stdint.h>

struct obp_srvstmt {
    uint32_t cid;           /* the client's id; 0: a free slot */
    uint32_t sid;           /* the server's */
    bool     types_sent;    /* the server has the parameter types */
};

struct obp_srvstmt_map {
    struct obp_srvstmt *slot;
    uint32_t            cap;    /* a power of two, or 0 */
    uint32_t            n;
};

/* The entry of client id <cid> (never 0), or NULL. */
struct obp_srvstmt *obp_srvstmt_get(const struct obp_srvstmt_map *m,
                                    uint32_t cid);

/* Maps <cid> to <sid> (replacing); OBP_ERROR when out of memory. */
int obp_srvstmt_put(struct obp_srvstmt_map *m, uint32_t cid, uint32_t sid);

/* Forgets <cid>, if mapped. */
void obp_srvstmt_del(struct obp_srvstmt_map *m, uint32_t cid);

/* Forgets every statement and frees the table. */
void obp_srvstmt_clear(struct obp_srvstmt_map *m);

#endif
