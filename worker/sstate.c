/*
 * The session state store (sstate.h): variables on a list in the order
 * they were first changed (a few dozen at most, searched by name),
 * prepared statements in an open-addressing table by client id (linear
 * probing, deletion by backward shift), the pending changes of the
 * command in flight, and the byte count the limits apply to.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#define STMT_CAP_MIN 16
#define TOO_BIG      "more than 256 KiB of variables, texts and types"

/* A SET of one of these also sets its partner. */
static const char *const partners[][2] = {
    { "character_set_connection", "collation_connection" },
    { "character_set_database", "collation_database" },
    { "character_set_server", "collation_server" },
};

static const char *const names_vars[] = {
    "character_set_client", "character_set_results",
    "character_set_connection", "collation_connection"
};

static const char *const transaction_vars[] = {
    "tx_isolation", "tx_read_only"
};

void
obp_sstate_init(struct obp_sstate *st, uint64_t sid)
{
    memset(st, 0, sizeof(*st));
    st->sid = sid;
    st->next_id = 1;
}

static void
free_var(struct obp_sstate *st, struct obp_svar *v)
{
    st->bytes -= sizeof(*v) + v->len;
    st->nvars--;
    free(v->data);
    free(v);
}

static void
free_vars(struct obp_sstate *st)
{
    struct obp_svar *v;

    while ((v = st->vars) != NULL) {
        st->vars = v->next;
        free_var(st, v);
    }
}

/* A statement's text and types: needed only to prepare it again. */
static void
drop_text(struct obp_sstate *st, struct obp_stmt *stmt)
{
    st->bytes -= stmt->text_len + (stmt->types != NULL ? 2u * stmt->params
                                                       : 0);
    free(stmt->text);
    free(stmt->types);
    stmt->text = NULL;
    stmt->text_len = 0;
    stmt->types = NULL;
}

static void
pend_free(struct obp_sstate *st)
{
    free(st->pend);
    st->pend = NULL;
    st->npend = 0;
    st->pend_stmts = 0;
    st->pend_failed = 0;
}

static void
prep_free(struct obp_sstate *st)
{
    st->bytes -= st->prep_len;
    free(st->prep_text);
    st->prep_text = NULL;
    st->prep_len = 0;
}

void
obp_sstate_free(struct obp_sstate *st)
{
    free_vars(st);
    obp_sessinfo_free(st->info);
    st->info = NULL;
    for (uint32_t i = 0; i < st->stmt_cap; i++) {
        if (st->stmts[i] != NULL) {
            drop_text(st, st->stmts[i]);
            free(st->stmts[i]->db);
            free(st->stmts[i]);
        }
    }
    free(st->stmts);
    st->stmts = NULL;
    st->stmt_cap = 0;
    st->nstmts = 0;
    pend_free(st);
    prep_free(st);
}

void
obp_sstate_clear(struct obp_sstate *st)
{
    uint32_t next_id = st->next_id;
    uint64_t version = st->version;

    obp_sstate_free(st);
    obp_sstate_init(st, st->sid);
    st->next_id = next_id;      /* no id the client saw comes back soon */
    st->version = version + 1;
}

void
obp_sstate_give_up(struct obp_sstate *st, const char *why)
{
    uint32_t         pos = 0;
    struct obp_stmt *stmt;

    if (st->given_up)
        return;
    obp_log(OBP_LOG_INFO, st->sid, 0, "session state not kept any more "
            "(%s): a lost server session will close the client", why);
    st->given_up = 1;
    free_vars(st);
    while ((stmt = obp_sstate_stmt_next(st, &pos)) != NULL)
        drop_text(st, stmt);
    prep_free(st);
}

bool
obp_sstate_restorable(const struct obp_sstate *st)
{
    return !st->given_up && obp_sstate_dirty(st) == NULL;
}

int
obp_sstate_pend(struct obp_sstate *st, const struct obp_sqlset_item *it)
{
    if (st->pend == NULL) {
        st->pend = malloc(OBP_SSTATE_MAX_PEND * sizeof(*st->pend));
        if (st->pend == NULL)
            return OBP_ERROR;
    }
    if (st->npend == OBP_SSTATE_MAX_PEND) {
        st->pend_failed = 1;    /* too many to read back after one command */
        return OBP_OK;
    }
    st->pend[st->npend++] = *it;
    return OBP_OK;
}

void
obp_sstate_pend_end(struct obp_sstate *st, unsigned stmts, bool failed)
{
    st->pend_stmts = stmts;
    st->pend_failed |= failed;
}

void
obp_sstate_pend_drop(struct obp_sstate *st)
{
    if (st->pend != NULL || st->pend_failed)
        pend_free(st);
}

static struct obp_svar *
find_var(const struct obp_sstate *st, bool user, const char *name)
{
    for (struct obp_svar *v = st->vars; v != NULL; v = v->next) {
        if (v->user == user && strcmp(v->name, name) == 0)
            return v;
    }
    return NULL;
}

static void
unlink_var(struct obp_sstate *st, struct obp_svar *v)
{
    struct obp_svar **pp = &st->vars;

    while (*pp != v)
        pp = &(*pp)->next;
    *pp = v->next;
    free_var(st, v);
}

/* <name> is to be read back; OBP_ERROR when the state was given up. */
static int
mark(struct obp_sstate *st, bool user, const char *name)
{
    struct obp_svar  *v = find_var(st, user, name);
    struct obp_svar **tail;

    if (v == NULL) {
        if (st->nvars == OBP_SSTATE_MAX_VARS) {
            obp_sstate_give_up(st, "too many variables");
            return OBP_ERROR;
        }
        v = calloc(1, sizeof(*v));
        if (v == NULL) {
            obp_sstate_give_up(st, "out of memory");
            return OBP_ERROR;
        }
        v->user = user;
        obp_strlcpy(v->name, name, sizeof(v->name));
        for (tail = &st->vars; *tail != NULL; tail = &(*tail)->next)
            ;
        *tail = v;
        st->nvars++;
        st->bytes += sizeof(*v);
    }
    v->dirty = true;
    return OBP_OK;
}

static int
mark_sysvar(struct obp_sstate *st, const char *name)
{
    if (mark(st, false, name) != OBP_OK)
        return OBP_ERROR;
    for (size_t i = 0; i < OBP_NELEMS(partners); i++) {
        for (int k = 0; k < 2; k++) {
            if (strcmp(name, partners[i][k]) == 0)
                return mark(st, false, partners[i][1 - k]);
        }
    }
    return OBP_OK;
}

static int
mark_all(struct obp_sstate *st, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (mark(st, false, names[i]) != OBP_OK)
            return OBP_ERROR;
    }
    return OBP_OK;
}

/* One change of a command whose response ended. */
static int
note(struct obp_sstate *st, const struct obp_sqlset_item *it)
{
    switch (it->kind) {
    case OBP_SQLSET_USERVAR:
        return mark(st, true, it->name);
    case OBP_SQLSET_NAMES:
        return mark_all(st, names_vars, OBP_NELEMS(names_vars));
    case OBP_SQLSET_TRANSACTION:
        return mark_all(st, transaction_vars, OBP_NELEMS(transaction_vars));
    default:
        /*
         * "= DEFAULT" is read back like any value: a server session the
         * variable was set on earlier (an idle one, sroute.h) gets the
         * value it has now, which forgetting the variable would not do.
         */
        return mark_sysvar(st, it->name);
    }
}

bool
obp_sstate_apply(struct obp_sstate *st, bool ok)
{
    /* after an ERR the statements before it may have run */
    bool ran = ok || st->pend_stmts > 1;

    if (!st->given_up && ran && st->pend_failed)
        obp_sstate_give_up(st, "a change the proxy cannot follow");
    for (unsigned i = 0; i < st->npend && ran && !st->given_up; i++) {
        if (note(st, &st->pend[i]) != OBP_OK)
            break;
    }
    pend_free(st);
    return obp_sstate_dirty(st) != NULL;
}

struct obp_svar *
obp_sstate_dirty(const struct obp_sstate *st)
{
    for (struct obp_svar *v = st->vars; v != NULL; v = v->next) {
        if (v->dirty)
            return v;
    }
    return NULL;
}

bool
obp_sstate_sysvar_uint(const struct obp_sstate *st, const char *name,
                       uint64_t *out)
{
    const struct obp_svar *v = find_var(st, false, name);
    uint64_t               n = 0;

    if (v == NULL || !v->has_value || v->len == 0 || v->len > 19
        || (v->type != OBP_SVAL_INT && v->type != OBP_SVAL_UINT))
        return false;
    for (size_t i = 0; i < v->len; i++) {
        if (v->data[i] < '0' || v->data[i] > '9')
            return false;
        n = n * 10 + (uint64_t)(v->data[i] - '0');
    }
    *out = n;
    return true;
}

bool
obp_sstate_sysvar_num(const struct obp_sstate *st, const char *name,
                      double *out)
{
    const struct obp_svar *v = find_var(st, false, name);
    char                   text[32];
    char                  *end;
    double                 d;

    if (v == NULL || !v->has_value || v->len == 0 || v->len >= sizeof(text)
        || v->type == OBP_SVAL_NULL || v->type == OBP_SVAL_STRING)
        return false;
    memcpy(text, v->data, v->len);
    text[v->len] = '\0';
    d = strtod(text, &end);
    if (*end != '\0' || !(d >= 0))
        return false;
    *out = d;
    return true;
}

int
obp_sstate_set_value(struct obp_sstate *st, struct obp_svar *v,
                     enum obp_sval_type type, const uint8_t *data,
                     size_t len, const char *charset, const char *collation)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);

    if (copy == NULL) {
        obp_sstate_give_up(st, "out of memory");
        return OBP_ERROR;
    }
    memcpy(copy, data, len);
    st->bytes += len - v->len;
    free(v->data);
    v->data = copy;
    v->len = len;
    v->type = type;
    v->has_value = true;
    v->dirty = false;
    st->version++;
    obp_strlcpy(v->charset, charset, sizeof(v->charset));
    obp_strlcpy(v->collation, collation, sizeof(v->collation));
    if (st->bytes > OBP_SSTATE_MAX_BYTES) {
        obp_sstate_give_up(st, TOO_BIG);
        return OBP_ERROR;
    }
    return OBP_OK;
}

void
obp_sstate_drop_var(struct obp_sstate *st, struct obp_svar *v)
{
    st->version++;
    unlink_var(st, v);
}

static uint32_t
slot_of(const struct obp_sstate *st, uint32_t id)
{
    return (id * 2654435761u) & (st->stmt_cap - 1);
}

/* The slot holding <id>, or stmt_cap when none does. */
static uint32_t
find_slot(const struct obp_sstate *st, uint32_t id)
{
    uint32_t mask = st->stmt_cap - 1;

    if (st->stmt_cap == 0)
        return 0;
    for (uint32_t i = slot_of(st, id); st->stmts[i] != NULL;
         i = (i + 1) & mask) {
        if (st->stmts[i]->id == id)
            return i;
    }
    return st->stmt_cap;
}

struct obp_stmt *
obp_sstate_stmt(const struct obp_sstate *st, uint32_t id)
{
    uint32_t i = find_slot(st, id);

    return i < st->stmt_cap ? st->stmts[i] : NULL;
}

static void
put(struct obp_sstate *st, struct obp_stmt *stmt)
{
    uint32_t i = slot_of(st, stmt->id);

    while (st->stmts[i] != NULL)
        i = (i + 1) & (st->stmt_cap - 1);
    st->stmts[i] = stmt;
}

/* Room for one more statement, the table at most half full. */
static int
grow(struct obp_sstate *st)
{
    struct obp_stmt **old = st->stmts;
    uint32_t          n = st->stmt_cap;
    uint32_t          cap = n == 0 ? STMT_CAP_MIN : n * 2;

    if ((st->nstmts + 1) * 2 <= n)
        return OBP_OK;
    st->stmts = calloc(cap, sizeof(*st->stmts));
    if (st->stmts == NULL) {
        st->stmts = old;
        return OBP_ERROR;
    }
    st->stmt_cap = cap;
    for (uint32_t i = 0; i < n; i++) {
        if (old[i] != NULL)
            put(st, old[i]);
    }
    free(old);
    return OBP_OK;
}

/* A client id no statement has: never 0, never 0xffffffff ("the last"). */
static uint32_t
new_id(struct obp_sstate *st)
{
    uint32_t id;

    /* at most nstmts ids are taken: bounded */
    do {
        id = st->next_id++;
    } while (id == 0 || id == UINT32_MAX || obp_sstate_stmt(st, id) != NULL);
    return id;
}

/* A statement with the pending text, as <id> (0: a new id). */
static struct obp_stmt *
stmt_new(struct obp_sstate *st, uint32_t id, uint16_t params,
         const char *db)
{
    struct obp_stmt *stmt;

    if (grow(st) != OBP_OK || (stmt = calloc(1, sizeof(*stmt))) == NULL) {
        prep_free(st);
        return NULL;
    }
    if ((stmt->db = strdup(db)) == NULL) {
        free(stmt);
        prep_free(st);
        return NULL;
    }
    stmt->id = id != 0 ? id : new_id(st);
    stmt->exec_server = -1;
    stmt->params = params;
    stmt->text = st->prep_text;
    stmt->text_len = st->prep_len;
    st->prep_text = NULL;
    st->prep_len = 0;
    put(st, stmt);
    st->nstmts++;
    return stmt;
}

int
obp_sstate_stmt_add(struct obp_sstate *st, uint16_t params, const char *db,
                    uint32_t *id)
{
    struct obp_stmt *stmt = stmt_new(st, 0, params, db);

    if (stmt == NULL)
        return OBP_ERROR;
    st->last_id = stmt->id;
    *id = stmt->id;
    if (stmt->text == NULL)
        obp_sstate_give_up(st, "a prepared statement's text not kept");
    return OBP_OK;
}

int
obp_sstate_import_stmt(struct obp_sstate *st, uint32_t id, uint16_t params,
                       const char *db, const char *text, size_t len,
                       const uint8_t *types)
{
    struct obp_stmt *stmt;

    if (id == 0 || id == UINT32_MAX || obp_sstate_stmt(st, id) != NULL)
        return OBP_ERROR;
    obp_sstate_prep_text(st, text, len);
    if (st->prep_text == NULL || (stmt = stmt_new(st, id, params, db))
                                 == NULL)
        return OBP_ERROR;
    if (types != NULL)
        obp_sstate_stmt_types(st, stmt, types);
    return st->given_up ? OBP_ERROR : OBP_OK;
}

int
obp_sstate_import_var(struct obp_sstate *st, bool user, const char *name,
                      enum obp_sval_type type, const uint8_t *data,
                      size_t len, const char *charset, const char *collation)
{
    struct obp_svar *v;

    if (mark(st, user, name) != OBP_OK
        || (v = find_var(st, user, name)) == NULL)
        return OBP_ERROR;
    return obp_sstate_set_value(st, v, type, data, len, charset, collation);
}

void
obp_sstate_stmt_remove(struct obp_sstate *st, uint32_t id)
{
    uint32_t i = find_slot(st, id), j, k, mask = st->stmt_cap - 1;

    if (i == st->stmt_cap)
        return;
    drop_text(st, st->stmts[i]);
    free(st->stmts[i]->db);
    free(st->stmts[i]);
    st->stmts[i] = NULL;
    st->nstmts--;
    /* pull back the entries the hole would cut off from their slot */
    for (j = (i + 1) & mask; st->stmts[j] != NULL; j = (j + 1) & mask) {
        k = slot_of(st, st->stmts[j]->id);
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        st->stmts[i] = st->stmts[j];
        st->stmts[j] = NULL;
        i = j;
    }
}

void
obp_sstate_stmt_types(struct obp_sstate *st, struct obp_stmt *stmt,
                      const uint8_t *types)
{
    size_t n = 2u * stmt->params;

    if (st->given_up)
        return;
    if (stmt->types == NULL) {
        if (st->bytes + n > OBP_SSTATE_MAX_BYTES) {
            obp_sstate_give_up(st, TOO_BIG);
            return;
        }
        stmt->types = malloc(n);
        if (stmt->types == NULL) {
            obp_sstate_give_up(st, "out of memory");
            return;
        }
        st->bytes += n;
    }
    memcpy(stmt->types, types, n);
}

void
obp_sstate_prep_text(struct obp_sstate *st, const char *text, size_t len)
{
    prep_free(st);
    if (st->given_up || text == NULL
        || st->bytes + len > OBP_SSTATE_MAX_BYTES)
        return;
    st->prep_text = malloc(len > 0 ? len : 1);
    if (st->prep_text == NULL)
        return;
    memcpy(st->prep_text, text, len);
    st->prep_len = len;
    st->bytes += len;
}

struct obp_stmt *
obp_sstate_stmt_next(const struct obp_sstate *st, uint32_t *pos)
{
    for (uint32_t i = *pos; i < st->stmt_cap; i++) {
        if (st->stmts[i] != NULL) {
            *pos = i + 1;
            return st->stmts[i];
        }
    }
    *pos = st->stmt_cap;
    return NULL;
}
