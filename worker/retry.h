/*
 * A read retried on a new server session.  When a relayed statement's
 * server fails it (lost, or silent past qtimeout.h's bound) before any
 * byte of the response reached the client, a statement that only reads
 * (one SELECT, COM_QUERY, no FOR UPDATE or SHARE, nothing that depends
 * on the session's last statement), sent outside a transaction with
 * autocommit on, goes again, up to connect_observer_max_retries - 1
 * times: its packet, kept when it was relayed (any one statement
 * outside a transaction is kept, for reroute.h), is put back in front of
 * the client's unread bytes, and it is routed and relayed as if the
 * client had sent it again, on a new server session (connect.h passes
 * over a server that refuses or stays silent).  A write is never sent
 * twice.  relay.c notes each command, session_server.c asks for the retry.
 */
#ifndef OBP_WORKER_RETRY_H
#define OBP_WORKER_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_RETRY_MAX 4096  /* bytes of a statement kept (ODP's
                               request_buffer_length) */

struct obp_iobuf;
struct obp_session;

struct obp_retry {
    uint8_t *pkt;           /* the last read relayed, header and payload */
    size_t   len;           /* 0: the command under way is no such read */
    uint8_t  tries;         /* times it went again */
    unsigned read:1;        /* it only reads: it may go again when lost */
    unsigned again:1;       /* the command now relayed is a retry */
    unsigned kick:1;        /* the pump must come back for it */
};

/*
 * The command at b->parse (payload <len>, whole in <b>) is relayed: kept
 * when it is a read that may go again.
 */
void obp_retry_note(struct obp_session *s, const struct obp_iobuf *b,
                    uint32_t len);

/*
 * Before the failed server session goes: true when the whole command was
 * sent and nothing of its response was relayed or is waiting to be.
 */
bool obp_retry_untouched(const struct obp_session *s);

/*
 * The server session failed the command and is gone (its state was
 * replaceable): true when the read goes again, its packet back in the
 * client's buffer; the caller then answers nothing.  <untouched>: what
 * obp_retry_untouched() said.
 */
bool obp_retry_again(struct obp_session *s, bool untouched);

/*
 * The statement kept was not run (a reroute): back in the client's
 * buffer, to be routed and relayed again.  OBP_ERROR when none is kept
 * or it does not fit.
 */
int obp_retry_resend(struct obp_session *s);

/* Frees what <r> holds. */
void obp_retry_free(struct obp_retry *r);

#endif
