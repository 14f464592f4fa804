/*
 * The control socket's hot upgrade verbs (upgrade.h): upgrade [BINARY],
 * rollback and commit.  ctl_verbs.c's table points here; each handler
 * ends its reply with "ok..." or "failed...".
 */
#include "master.h"

#include <stdio.h>
#include <string.h>

void
obp_ctl_verb_upgrade(struct obp_ctl_conn *c, const char *arg)
{
    struct obp_master *m = obp_ctl_master(c);
    char               why[OBP_UPGRADE_WHY_MAX];

    if (strpbrk(arg, " \t") != NULL) {
        obp_ctl_reply(c, true, "failed: usage: upgrade [BINARY]");
        return;
    }
    if (m->ctl.waiting != NULL) {
        obp_ctl_reply(c, true, "failed: another control client waits for "
                      "an upgrade");
        return;
    }
    if (obp_upgrade_begin(m, arg, "obproxyctl upgrade", why, sizeof(why))
        != OBP_OK) {
        obp_log(OBP_LOG_ERROR, 0, 0, "hot upgrade refused: %s", why);
        obp_ctl_reply(c, true, "failed: %s", why);
        return;
    }
    /* answered once the new generation serves, or has failed */
    (void)obp_ctl_defer(c);
}

typedef int (*end_fn)(struct obp_master *m, const char *from, char *why,
                      size_t cap);

static void
end_upgrade(struct obp_ctl_conn *c, const char *arg, const char *verb,
            end_fn fn)
{
    char from[32];
    char why[OBP_UPGRADE_WHY_MAX];
    int  rc;

    if (arg[0] != '\0') {
        obp_ctl_reply(c, true, "failed: usage: %s", verb);
        return;
    }
    snprintf(from, sizeof(from), "obproxyctl %s", verb);
    rc = fn(obp_ctl_master(c), from, why, sizeof(why));
    obp_ctl_reply(c, true, "%s: %s", rc == OBP_OK ? "ok" : "failed", why);
}

void
obp_ctl_verb_rollback(struct obp_ctl_conn *c, const char *arg)
{
    end_upgrade(c, arg, "rollback", obp_upgrade_rollback);
}

void
obp_ctl_verb_commit(struct obp_ctl_conn *c, const char *arg)
{
    end_upgrade(c, arg, "commit", obp_upgrade_commit);
}
