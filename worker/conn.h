/*
 * One socket of a session (the client's or a server's) with its two
 * libev watchers and two buffers: <in> holds bytes read from the socket,
 * <out> packets the proxy wrote itself for it.  Bytes relayed from the
 * peer are not copied: a conn whose <feed> is set also writes
 * feed->in[done..parse) to its socket, before its own <out>.
 *
 * The owner decides everything else through its ops: read() after each
 * read (one read() per readable event), error() when the socket failed
 * or reached end of file, drained() when nothing is left to write.  A
 * conn never touches itself after calling one of them, so the owner may
 * close it from there.
 */
#ifndef OBP_WORKER_CONN_H
#define OBP_WORKER_CONN_H

#include <ev.h>
#include <stdint.h>

#include "iobuf.h"
#include "xport.h"

struct obp_conn;
struct obp_wr;

struct obp_conn_ops {
    void (*read)(struct obp_conn *c);           /* new bytes in c->in */
    void (*error)(struct obp_conn *c, int err); /* 0: end of file */
    void (*drained)(struct obp_conn *c);        /* may be NULL */
};

struct obp_conn {
    struct obp_worker         *w;
    int                        fd;      /* -1 once closed */
    ev_io                      rd;      /* started while input is wanted */
    ev_io                      wr;      /* started while a write is short */
    struct obp_iobuf          *in;      /* read from fd, or NULL */
    struct obp_iobuf          *out;     /* the proxy's packets, or NULL */
    struct obp_conn           *feed;    /* relays feed->in to fd, or NULL */
    struct obp_xport          *x;       /* TLS, compression, or NULL */
    const struct obp_conn_ops *ops;
    void                      *owner;
    uint64_t                   bytes;   /* read from fd so far */
    uint64_t                   sent;    /* written to fd so far (before
                                           TLS or compression) */
    int64_t                    opened_us; /* obp_now_us() at init */
    ev_tstamp                  heard;   /* the loop's time of the last
                                           read of any byte, 0: none */
    uint64_t                   sid;     /* session id in log lines */
    int                        stat;    /* OBP_STAT_bytes_from_* */
    unsigned                   hold:1;  /* the owner wants no input now */
    unsigned                   resp_open:1; /* a response to it is still
                                           coming: no OceanBase 2.0 frame
                                           is its last yet (xob20.c) */
};

/*
 * Takes <fd> (non-blocking); nothing is watched until obp_conn_update.
 * <sid> names the session in log lines.
 */
void obp_conn_init(struct obp_conn *c, struct obp_worker *w, int fd,
                   uint64_t sid, int stat, const struct obp_conn_ops *ops,
                   void *owner);

/* Starts or stops the watchers as input room and pending output say. */
void obp_conn_update(struct obp_conn *c);

/* Bytes waiting to be written to c->fd (relayed and own). */
size_t obp_conn_pending(const struct obp_conn *c);

/*
 * Writes what is pending with one writev().  OBP_OK when nothing is
 * left, OBP_AGAIN when the socket is full (the write watcher then
 * finishes), OBP_ERROR with errno set.  Never calls the owner.
 */
int obp_conn_flush(struct obp_conn *c);

/*
 * A writer over the free tail of c->out (taken when needed), for whole
 * packets of the proxy's own; obp_conn_commit() keeps what it wrote.
 * OBP_ERROR when out of memory or when the packets did not fit.
 */
int obp_conn_writer(struct obp_conn *c, struct obp_wr *wr);
int obp_conn_commit(struct obp_conn *c, const struct obp_wr *wr);

/* Drops <n> bytes at c->in->parse that nothing will forward. */
void obp_conn_skip(struct obp_conn *c, size_t n);

/* Gives back c->in and c->out when they hold nothing. */
void obp_conn_trim(struct obp_conn *c);

/* Stops the watchers, closes fd, gives back both buffers. */
void obp_conn_close(struct obp_conn *c);

#endif
