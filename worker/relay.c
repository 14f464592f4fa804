/*
 * Preparing a command's relay (relay.h).
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

/* COM_INIT_DB: its schema becomes current when the server says OK. */
static void
note_init_db(struct obp_session *s, const uint8_t *h, uint32_t len,
             size_t avail)
{
    free(s->req.init_db);
    s->req.init_db = NULL;
    if (avail >= OBP_PKT_HDR_LEN + len && len - 1 < OBP_NAME_MAX)
        s->req.init_db = strndup((const char *)h + OBP_PKT_HDR_LEN + 1,
                                 len - 1);
}

/*
 * COM_QUERY: its text is scanned for the session state it changes and
 * for the time limit it sets itself, once it is whole or fills the
 * buffer (then only its start is scanned).
 */
static int
scan_state(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    size_t      avail = b->recv - b->parse;
    size_t      whole = OBP_PKT_HDR_LEN + (size_t)len;
    bool        cut = avail < whole;
    const char *text = (const char *)b->data + b->parse + OBP_PKT_HDR_LEN
                       + 1;
    size_t      n = (cut ? avail : whole) - OBP_PKT_HDR_LEN - 1;
    bool        bs = !(s->status & OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES);

    if (cut && b->recv - b->done < OBP_IOBUF_SIZE)
        return OBP_AGAIN;
    obp_ssync_scan(s, text, n, cut,
                   (s->caps & OBP_CLIENT_MULTI_STATEMENTS) || s->multi_on);
    s->req.time_limit_us = obp_sql_time_limit(text, n,
                                              bs ? OBP_SQL_BACKSLASH : 0);
    return OBP_OK;
}

/*
 * CONNECTION_ID() is the client's connection id, the proxy's: written
 * into the text (as much of it as the buffer holds) before the server
 * reads it.  A query that reads a process list keeps the server's own
 * id there, so that WHERE ID = CONNECTION_ID() finds the session's row,
 * whose ID the response then maps to the client's (plist.h).
 */
static void
own_connection_id(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    size_t avail = b->recv - b->parse;
    size_t whole = OBP_PKT_HDR_LEN + (size_t)len;
    char  *text = (char *)b->data + b->parse + OBP_PKT_HDR_LEN + 1;
    size_t n = (avail < whole ? avail : whole) - OBP_PKT_HDR_LEN - 1;
    bool   bs = !(s->status & OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES);

    s->req.plist = s->req.cmd == OBP_COM_QUERY
                   && obp_sqlfix_has_word(text, n, "PROCESSLIST");
    (void)obp_sqlfix_connid(text, n, bs, s->req.plist ? s->srv->thread_id
                                                      : s->id);
}

/* What the proxy keeps of a command before it is relayed. */
static int
inspect(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    const uint8_t *h = b->data + b->parse;

    obp_sstate_pend_drop(&s->st);   /* a dropped command's changes */
    s->req.plist = 0;
    if (s->req.drop)
        return OBP_OK;
    if (s->req.cmd == OBP_COM_QUERY || s->req.cmd == OBP_COM_STMT_PREPARE)
        own_connection_id(s, b, len);
    switch (s->req.cmd) {
    case OBP_COM_QUERY:
        return scan_state(s, b, len);
    case OBP_COM_SET_OPTION:
        /* MYSQL_OPTION_MULTI_STATEMENTS_ON: assumed to stay on */
        if (len >= 3 && b->recv - b->parse >= OBP_PKT_HDR_LEN + 3
            && h[OBP_PKT_HDR_LEN + 1] == 0 && h[OBP_PKT_HDR_LEN + 2] == 0)
            s->multi_on = 1;
        return OBP_OK;
    case OBP_COM_STMT_PREPARE: case OBP_COM_STMT_EXECUTE:
    case OBP_COM_STMT_BULK_EXECUTE: case OBP_COM_STMT_SEND_LONG_DATA:
    case OBP_COM_STMT_CLOSE: case OBP_COM_STMT_RESET:
    case OBP_COM_STMT_FETCH:
        return obp_stmtid_request(s, b, len);
    default:
        return OBP_OK;
    }
}

/* Needs the server session; OBP_AGAIN while it is being opened. */
static int
server_ready(struct obp_session *s)
{
    if (s->srv != NULL)
        return s->srv->state == OBP_SRV_READY ? OBP_OK : OBP_AGAIN;
    if (obp_session_open_server(s) != OBP_OK)
        return obp_req_refuse(s, 1, OBP_ER_CONNECT_TO_SERVER, "HY000",
                              "obproxy: out of memory") == OBP_OK
               ? OBP_OK : OBP_ERROR;
    return OBP_AGAIN;
}

/* A KILL after the first statement, or a prepared one (kill.h). */
static enum obp_cmd_rc
kill_inside(struct obp_session *s, struct obp_iobuf *b)
{
    if (s->req.cmd != OBP_COM_QUERY && s->req.cmd != OBP_COM_STMT_EXECUTE)
        return OBP_CMD_RELAY;
    return obp_kill_try(s, b);
}

static enum obp_cmd_rc
cmd_rc(int rc)
{
    switch (rc) {
    case OBP_OK:
        return OBP_CMD_RELAY;
    case OBP_AGAIN:
        return OBP_CMD_WAIT;
    case OBP_DONE:
        return OBP_CMD_GONE;
    default:
        return OBP_CMD_NOMEM;
    }
}

enum obp_cmd_rc
obp_relay_command(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    const uint8_t  *h;
    enum obp_cmd_rc k = kill_inside(s, b);
    int             rc;

    if (k != OBP_CMD_RELAY)
        return k;
    rc = obp_sroute_command(s, b, len);
    if (rc == OBP_OK && !s->req.drop)
        rc = server_ready(s);
    if (rc == OBP_OK)
        rc = inspect(s, b, len);
    if (rc != OBP_OK)
        return cmd_rc(rc);
    if (s->req.drop)
        return OBP_CMD_ANSWER;
    h = b->data + b->parse;     /* inspect() may have moved or grown it */
    if (s->req.cmd == OBP_COM_INIT_DB)
        note_init_db(s, h, obp_pkt_payload_len(h), b->recv - b->parse);
    obp_retry_note(s, b, obp_pkt_payload_len(h));
    obp_reroute_note(s);
    obp_sessinfo_attach(s);
    return OBP_CMD_RELAY;
}
