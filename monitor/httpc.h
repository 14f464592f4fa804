/*
 * A minimal HTTP/1.1 client for the monitor's loop: one GET at a time,
 * "Connection: close", http or https (url.h).  Bounded: the whole
 * exchange (connect, TLS handshake, request, answer) within the caller's
 * timeout, the answer read as shared/httpresp.h says (size bounded,
 * chunked decoded).  The host name is resolved with the system's
 * resolver (an address needs none).  https verifies the server's
 * certificate against the system's CA store and the file the caller
 * names (obp_tls_verify_ctx) and its name against the URL's host (an
 * address against the certificate's IP addresses); a certificate
 * refused ends the GET with the reason, as any failure.
 */
#ifndef OBP_MONITOR_HTTPC_H
#define OBP_MONITOR_HTTPC_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "obp.h"

/*
 * The end of a GET: <resp> the answer (any status), or NULL with <why>
 * ("connection refused", "timed out after 5s", ...).
 */
typedef void (*obp_httpc_fn)(void *arg, const struct obp_httpresp *resp,
                             const char *why);

struct obp_httpc {
    struct ev_loop *loop;
    ev_io           io;
    ev_timer        timer;
    int             fd;             /* -1 when idle */
    char           *buf;            /* request, then answer */
    size_t          len;
    size_t          sent;
    size_t          reqlen;
    bool            reading;
    bool            connected;
    bool            secured;        /* the TLS handshake done */
    SSL_CTX        *ctx;            /* https only */
    SSL            *ssl;
    const char     *ca;             /* PEM CA file besides the system's,
                                       "" or NULL: none; set by the
                                       caller, read when a GET starts */
    double          timeout;
    obp_httpc_fn    done;
    void           *arg;
    char            why[200];       /* an early failure, told from the loop */
};

void obp_httpc_init(struct obp_httpc *c, struct ev_loop *loop);

/*
 * Starts GET <url> (url.h's form) bounded by <timeout> seconds; <done>
 * is called once, later, from the loop (also for an early failure).
 * OBP_ERROR only when a GET is under way already or out of memory.
 */
int obp_httpc_get(struct obp_httpc *c, const char *url, double timeout,
                  obp_httpc_fn done, void *arg);

/* A GET under way. */
bool obp_httpc_busy(const struct obp_httpc *c);

/* Ends a GET under way without calling its <done>. */
void obp_httpc_cancel(struct obp_httpc *c);

/*
 * httpc_tls.c's, for httpc.c: TLS on c->fd toward <host> (OBP_ERROR
 * with c->why set); the handshake and a read or write, each OBP_AGAIN
 * (the handshake) or -1 (the I/O) with the loop <events> to wait for,
 * OBP_ERROR or -2 with c->why set; the I/O's 0 is the end of the answer.
 */
int obp_httpc_tls_start(struct obp_httpc *c, const char *host);
int obp_httpc_tls_handshake(struct obp_httpc *c, int *events);
ssize_t obp_httpc_tls_io(struct obp_httpc *c, char *buf, size_t len,
                         bool wr, int *events);
void obp_httpc_tls_free(struct obp_httpc *c);

#endif
