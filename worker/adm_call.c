/*
 * An admin command's call to the master's control socket (adm.h):
 * ALTER PROXYCONFIG's "config set" and SHOW PROXYINFO UPGRADE's
 * "status".  The session holds one call at a time (s->adm_call); the
 * reply's handler builds the answer, then the session goes on.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#define ER_NOT_SUPPORTED_YET 1235

struct obp_adm_call {
    struct obp_ctlcall  call;
    struct obp_session *s;
    obp_adm_reply       reply;
    char                what[96];   /* the command, for messages */
};

/* The master answered (or the call failed): the session's answer. */
static void
replied(struct obp_ctlcall *c, bool ok)
{
    struct obp_adm_call *ac = c->owner;
    struct obp_session  *s = ac->s;
    int                  rc;

    s->adm_call = NULL;
    rc = ac->reply(s, c, ok, ac->what);
    free(ac);
    if (rc != OBP_OK) {
        obp_session_close(s, "out of memory");
        return;
    }
    obp_req_answered(s);
}

enum obp_cmd_rc
obp_adm_call(struct obp_session *s, const char *line, const char *what,
             obp_adm_reply reply)
{
    struct obp_adm_call *ac = calloc(1, sizeof(*ac));

    if (ac == NULL)
        return OBP_CMD_NOMEM;
    ac->s = s;
    ac->reply = reply;
    obp_strlcpy(ac->what, what, sizeof(ac->what));
    if (obp_ctlcall_start(&ac->call, s->w, line,
                          (double)s->w->conf->short_async_task_timeout / 1e6,
                          replied, ac) != OBP_OK) {
        obp_log(OBP_LOG_WARN, s->id, 0, "%s: the master's control socket: "
                "%s", what, obp_ctlcall_last(&ac->call));
        free(ac);
        return obp_adm_rc(obp_ans_err(obp_req_answer(s),
                                      ER_NOT_SUPPORTED_YET, "HY000",
                                      "obproxy: %s: the master cannot be "
                                      "reached", what));
    }
    s->adm_call = ac;
    return OBP_CMD_LATER;
}

void
obp_adm_cancel(struct obp_session *s)
{
    if (s->adm_call == NULL)
        return;
    obp_ctlcall_cancel(&s->adm_call->call);
    free(s->adm_call);
    s->adm_call = NULL;
}
