/*
 * A client session: the client socket, the server socket once connect.c
 * has opened it, and one buffer per direction.  Bytes are relayed without
 * parsing: one read per readable event, written straight to the peer;
 * a partial write stops reading the source until the peer drains.
 *
 *   direction buffer:  [ written | pending (off .. len) | free ]
 *   a direction reads only when pending is empty, so it never holds more
 *   than OBP_RELAY_BUF_SIZE bytes.
 */
#ifndef OBP_WORKER_RELAY_H
#define OBP_WORKER_RELAY_H

#include <ev.h>
#include <stdint.h>

#include "addr.h"

#define OBP_RELAY_BUF_SIZE  (16 * 1024)
#define OBP_RELAY_ERR_WAIT  1.0     /* seconds to deliver a final ERR */

struct obp_relay_dir {
    struct obp_session *s;      /* owner */
    ev_io               rd;     /* source readable; stopped while pending */
    ev_io               wr;     /* destination writable; only while pending */
    uint8_t            *buf;    /* OBP_RELAY_BUF_SIZE bytes */
    size_t              off;    /* first pending byte */
    size_t              len;    /* end of the pending bytes */
    uint64_t            bytes;  /* read from the source so far */
};

struct obp_session {
    struct obp_session   *prev;     /* worker's list of open sessions */
    struct obp_session   *next;
    struct obp_worker    *w;
    uint64_t              id;       /* unique across workers */
    int                   cfd;      /* client socket */
    int                   sfd;      /* server socket, -1 before connect */
    struct obp_addr       caddr;
    struct obp_addr       saddr;    /* server tried or connected */
    struct obp_relay_dir  up;       /* client -> server */
    struct obp_relay_dir  down;     /* server -> client */
    ev_timer              timer;    /* connect bound, then ERR delivery */
    struct obp_servers   *servers;  /* held while connecting */
    int                   next_server;  /* index into servers->addr */
    size_t                tried_len;
    char                  tried[400];   /* "ADDR (reason), ..." */
    unsigned              server_up:1;  /* counted in server_active */
};

/*
 * Starts a session for an accepted client <fd> (non-blocking), which the
 * session owns from now on, even when this fails.
 */
int obp_relay_start(struct obp_worker *w, int fd,
                    const struct obp_addr *peer);

/*
 * connect.c: <fd> is the server socket being connected (or -1 after a
 * failed attempt); the session's watchers are stopped when this is called.
 */
void obp_relay_set_server(struct obp_session *s, int fd);

/* connect.c: the server socket s->sfd is connected; start relaying. */
void obp_relay_run(struct obp_session *s);

/*
 * Sends the client an ERR packet (sequence 0) and closes the session once
 * it is written, or after OBP_RELAY_ERR_WAIT.
 */
void obp_relay_fail(struct obp_session *s, uint16_t code,
                    const char *sqlstate, const char *msg);

/* Flushes what can be written at once, closes both sockets, frees <s>. */
void obp_relay_close(struct obp_session *s, const char *why);

/* Closes every session of <w>; returns how many there were. */
unsigned obp_relay_close_all(struct obp_worker *w, const char *why);

#endif
