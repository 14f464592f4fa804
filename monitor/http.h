/*
 * A minimal HTTP/1.0 and 1.1 server for the monitor's loop: one request
 * per connection (the answer says Connection: close), answered from a
 * handler into a buffer, then written as the socket takes it.  Bounded
 * everywhere, so a client cannot make it block or grow: at most
 * OBP_HTTP_MAX_CONNS connections (more are closed at once), a request head
 * of at most OBP_HTTP_MAX_REQUEST bytes (431 beyond), OBP_HTTP_TIMEOUT
 * seconds from accept to the last byte written (a slow client is cut),
 * and a request line that does not parse gets 400.
 */
#ifndef OBP_MONITOR_HTTP_H
#define OBP_MONITOR_HTTP_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "mbuf.h"

#define OBP_HTTP_MAX_CONNS    32
#define OBP_HTTP_MAX_REQUEST  4096
#define OBP_HTTP_TIMEOUT      5.0

/*
 * Fills <body> for a GET of <path> (the target without its query) and
 * returns the status, 200 or 404; sets <ctype> for a 200.
 */
typedef int (*obp_http_fn)(void *arg, const char *path,
                           struct obp_mbuf *body, const char **ctype);

struct obp_http;

struct obp_http_conn {
    struct obp_http *http;
    int              fd;            /* -1 when the entry is free */
    ev_io            io;
    ev_timer         timer;
    char             req[OBP_HTTP_MAX_REQUEST];
    size_t           reqlen;
    struct obp_mbuf  out;           /* the whole answer */
    size_t           sent;
};

struct obp_http {
    struct ev_loop      *loop;
    int                  fd;        /* the listener, -1 when closed */
    ev_io                accept_io;
    obp_http_fn          handler;
    void                *arg;
    unsigned             nconns;
    struct obp_http_conn conns[OBP_HTTP_MAX_CONNS];
};

void obp_http_init(struct obp_http *h, struct ev_loop *loop,
                   obp_http_fn handler, void *arg);

/*
 * Listens on <ip> (IPv4 or IPv6) and <port>.  OBP_OK, or OBP_ERROR with
 * errno set (nothing left open).
 */
int obp_http_listen(struct obp_http *h, const char *ip, int port);

bool obp_http_listening(const struct obp_http *h);

/* Stops accepting; the connections in progress finish. */
void obp_http_unlisten(struct obp_http *h);

/* Connections in progress. */
unsigned obp_http_busy(const struct obp_http *h);

/* Closes the listener and every connection. */
void obp_http_close_all(struct obp_http *h);

#endif
